"""End-to-end fixtures: the real server, two Chromium instances with different fake
cameras (red and blue), and pages that fail the test on any console error."""

import os
import re
import socket

import pytest
from playwright.sync_api import sync_playwright

from .browsers import launch
from .media import write_y4m
from .server import running_server


def _host_network_interfaces():
    # if_nameindex() sees this process's network namespace (/sys/class/net may not).
    return [name for _, name in socket.if_nameindex() if name != "lo"]


@pytest.fixture(scope="session", autouse=True)
def loopback_only():
    """Calls between two local browsers must keep their media on loopback.

    `python tests/run.py` runs the suite in a loopback-only network namespace
    where it can. Elsewhere (a laptop without root) set E2E_ALLOW_HOST_NETWORK=1.
    """
    interfaces = _host_network_interfaces()
    if interfaces and not os.environ.get("E2E_ALLOW_HOST_NETWORK"):
        message = (f"network interfaces {interfaces} are present: run `python tests/run.py` "
                   "(loopback-only namespace) or set E2E_ALLOW_HOST_NETWORK=1")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def server():
    with running_server("eventlet") as url:
        yield url


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def fake_videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-video")
    return {colour: write_y4m(folder / f"{colour}.y4m", colour) for colour in ("red", "blue")}


@pytest.fixture(scope="session")
def red_browser(playwright, fake_videos):
    browser = launch(playwright, fake_videos["red"])
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def blue_browser(playwright, fake_videos):
    browser = launch(playwright, fake_videos["blue"])
    yield browser
    browser.close()


@pytest.fixture
def open_page():
    """open_page(browser, url) -> a page in a fresh context. Console errors fail the test,
    except those matching a pattern a test adds to open_page.expected_errors."""
    contexts, errors = [], []

    def opener(browser, url, ws_route=None, bypass_csp=False):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=bypass_csp)
        contexts.append(context)
        page = context.new_page()
        if ws_route:
            page.route_web_socket(re.compile(r".*/socket\.io/.*"), ws_route)
        page.on("console", lambda m: m.type == "error" and errors.append(f"{url}: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"{url}: uncaught {e}"))
        page.goto(url)
        return page

    opener.expected_errors = []
    yield opener
    for context in contexts:
        context.close()
    unexpected = [e for e in errors if not any(re.search(p, e) for p in opener.expected_errors)]
    assert unexpected == [], "pages logged console errors"


@pytest.fixture
def room(request):
    """A room name unique to the test, readable in server logs."""
    return request.node.name.replace("[", "-").replace("]", "")[:40] + "-" + os.urandom(3).hex()
