"""End-to-end fixtures, on pytest-playwright: the real server, two Chromium processes
with different fake cameras (red and blue), and pages that fail the test on any
console error.

The plugin's options work as its users expect: `--headed` shows both browsers,
`--slowmo MS` slows them down, `--tracing retain-on-failure` keeps the trace of
a failed test (for pages in either browser), `--browser-channel chrome` drives
an installed Chrome instead of Chromium.
"""

import contextlib
import fcntl
import os
import re
import socket
import subprocess

import pytest

from tests.harness.browsers import camera_args, launch_options
from tests.harness.media import write_y4m
from tests.harness.server import running_server

from .checks import describe_page

VIEWPORT = {"width": 1280, "height": 900}


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
    if interfaces:  # the host's network: udp_blackout skips
        yield None
        return
    # Every test process in this namespace holds this file's lock, shared, so that
    # udp_blackout can tell whether the namespace is its own.
    path = f"/tmp/webrtc-tutorial-tests-netns-{os.stat('/proc/self/ns/net').st_ino}.lock"
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)
        yield lock
        with contextlib.suppress(BlockingIOError):  # the last one out removes it
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.unlink(path)


def _ip_rule(*args):
    subprocess.run(["ip", "rule", *args], check=True, capture_output=True)


@pytest.fixture
def udp_blackout(loopback_only):
    """udp_blackout(True) makes UDP undeliverable in our own network namespace:
    ICE breaks, while signaling (TCP) carries on. It fails at once if another test
    process shares the namespace (see loopback_only): their calls would break too."""
    if loopback_only is None:  # the host's network
        pytest.skip("only inside the loopback-only namespace that tests/run.py makes")
    try:  # the namespace to ourselves: `pytest -n 2` in one namespace broke the other worker's calls
        fcntl.flock(loopback_only, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fcntl.flock(loopback_only, fcntl.LOCK_SH)  # a failed conversion may have dropped it
        pytest.fail("another test process shares this network namespace, and blacking out UDP would "
                    "break its calls: run `python tests/run.py`, which gives each worker its own")
    # Move the local routing table behind a rule that can blackhole UDP.
    _ip_rule("add", "pref", "100", "lookup", "local")
    _ip_rule("del", "pref", "0", "lookup", "local")
    state = {"on": False}

    def switch(on):
        _ip_rule("add" if on else "del", "pref", "10", "ipproto", "udp", "blackhole")
        state["on"] = on

    yield switch
    if state["on"]:
        switch(False)
    _ip_rule("add", "pref", "0", "lookup", "local")
    _ip_rule("del", "pref", "100", "lookup", "local")
    fcntl.flock(loopback_only, fcntl.LOCK_SH)


@pytest.fixture(scope="session")
def server():
    with running_server("eventlet") as url:
        yield url


# ---- Browsers: pytest-playwright's fixtures, with two fake cameras ----------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, browser_type):
    """The plugin's options, with the tests' browser and flags (see launch_options)."""
    return launch_options(browser_type, **browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT}


# The fake cameras' frame rate in the tests. A live call at 30 frames a second kept
# one of this machine's two cores busy (50-57 % of both, measured over 10 s), at 10
# about half that (27-28 %); every check here is of colours, states and whether
# frames keep coming, none of the rate. The benchmarks keep a webcam's 30.
TEST_CAMERA_FPS = 10


@pytest.fixture(scope="session")
def fake_videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-video")
    return {colour: write_y4m(folder / f"{colour}.y4m", colour, fps=TEST_CAMERA_FPS) for colour in ("red", "blue")}


@pytest.fixture(scope="session")
def browser(launch_browser, fake_videos):
    """The plugin's session browser, whose camera shows red. (`launch_browser`'s
    `args` replace the launch args' list, so the camera goes with all the others.)"""
    browser = launch_browser(args=camera_args(fake_videos["red"]))
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def red_browser(browser):
    return browser


@pytest.fixture(scope="session")
def blue_browser(launch_browser, fake_videos):
    """A second browser process: a fake camera is per process, and this one shows blue."""
    browser = launch_browser(args=camera_args(fake_videos["blue"]))
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, browser_context_args, _artifacts_recorder, request):
    """The plugin's new_context, which can also open a context in another browser:
    new_context(browser=blue_browser). Either way, the plugin records its traces,
    screenshots and videos, and every console error is kept for `open_page`."""
    contexts = request.node.stash[LIVE_CONTEXTS] = []
    errors = []
    expected = request.node.stash[EXPECTED_ERRORS] = []

    def new(browser=browser, **kwargs):
        context = browser.new_context(**{**browser_context_args, **kwargs})
        context.on("console", lambda m: m.type == "error" and errors.append(f"{_url(m)}: {m.text}"))
        context.on("console", lambda m: m.page and console_of(m.page).append(f"{m.type}: {m.text}"))
        context.on("weberror", lambda e: errors.append(f"{_url(e)}: uncaught {e.error}"))
        _artifacts_recorder.on_did_create_browser_context(context)
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        _artifacts_recorder.on_will_close_browser_context(context)
        context.close()
    unexpected = [e for e in errors if not any(re.search(pattern, e) for pattern in expected)]
    assert unexpected == [], "pages logged console errors"


def console_of(page):
    """Everything this page logged to its console, for the report of a failed test."""
    if not hasattr(page, "console_lines"):
        page.console_lines = []
    return page.console_lines


def _url(event):
    return event.page.url if event.page else "(no page)"


LIVE_CONTEXTS = pytest.StashKey[list]()
EXPECTED_ERRORS = pytest.StashKey[list]()  # patterns of console errors a test expects


@pytest.fixture
def open_page(new_context, request):
    """open_page(browser, url) -> a page in a fresh context of that browser.
    Console errors fail the test (see new_context), except those matching a
    pattern the test adds to open_page.expected_errors."""

    def opener(browser, url, ws_route=None, bypass_csp=False):
        page = new_context(browser=browser, bypass_csp=bypass_csp).new_page()
        if ws_route:
            page.route_web_socket(re.compile(r".*/socket\.io/.*"), ws_route)
        page.goto(url)
        return page

    opener.expected_errors = request.node.stash[EXPECTED_ERRORS]
    return opener


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report says what each of its pages showed at that moment."""
    report = yield
    contexts = item.stash.get(LIVE_CONTEXTS, [])
    if report.failed and call.when == "call" and contexts:
        shown = [describe_page(page, console_of(page)) for context in contexts for page in context.pages]
        report.sections.append(("what the pages showed", "\n\n".join(shown) or "(no page open)"))
    return report


@pytest.fixture
def room(request):
    """A room name unique to the test, readable in server logs."""
    return request.node.name.replace("[", "-").replace("]", "")[:40] + "-" + os.urandom(3).hex()
