"""Calls through a real TURN server (coturn, --use-auth-secret, on loopback),
with credentials the server mints for each call page."""

import os
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.harness.server import free_port, server_process

from .checks import TIMEOUT, expect_in_call, expect_selected_pair, expect_status


def turn_app(turn_url, secret, *more_args):
    """The app, relays only, with this TURN server; its secret comes from the
    environment, as the README advises."""
    environ = {**os.environ, "WEBRTC_TUTORIAL_TURN_SECRET": secret}
    args = ["--turn-url", turn_url, "--ice-transport-policy", "relay", *more_args]
    return server_process(extra_args=args, env=environ)


@pytest.fixture(scope="module")
def relay_server(turn_server):
    with turn_app(turn_server.url, turn_server.secret) as server:
        yield server.url


@pytest.fixture(scope="module")
def wrong_secret_server(turn_server):
    with turn_app(turn_server.url, "not-" + turn_server.secret) as server:
        yield server.url


def start_relayed_call(open_page, server, room, red_browser, blue_browser):
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url)
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, url)
    expect_relayed_call(red, blue)
    return red, blue


def expect_relayed_call(red, blue):
    expect_in_call(red, blue)
    for page in (red, blue):
        expect_selected_pair(page, "relay", "relay")
        expect(page.locator("#problem")).to_be_hidden()


def test_a_call_forced_through_turn_connects_on_relays(relay_server, red_browser, blue_browser, open_page, room):
    start_relayed_call(open_page, relay_server, room, red_browser, blue_browser)


TTL = 4


@pytest.fixture(scope="module")
def short_ttl_server(turn_server):
    with turn_app(turn_server.url, turn_server.secret, "--turn-ttl", str(TTL)) as server:
        yield server.url


def test_a_page_open_past_its_credentials_life_still_calls_through_turn(short_ttl_server, red_browser,
                                                                        blue_browser, open_page, room):
    """The credentials each page got expire after TTL seconds; pages fetch fresh
    ones halfway through, so the next call, on new peer connections, gets relays."""
    red, blue = start_relayed_call(open_page, short_ttl_server, room, red_browser, blue_browser)
    red.wait_for_timeout((TTL + 1.5) * 1000)
    blue.click("#hang-up")
    expect_status(red, "The other person left")
    blue.click("#rejoin")
    expect_relayed_call(red, blue)


def test_a_wrong_secret_fails_and_the_page_says_why(wrong_secret_server, turn_server, red_browser, blue_browser,
                                                     open_page, room):
    call = f"/call?room={room}"
    red = open_page(red_browser, wrong_secret_server + call)
    blue = open_page(blue_browser, f"{wrong_secret_server}/lang/zh?next={quote(call)}")
    for page, words in ((red, f"The TURN server {turn_server.url} refused this page's credentials (401"),
                        (blue, "拒绝了本页的凭据（401")):
        expect(page.locator("#problem")).to_contain_text(words, timeout=TIMEOUT)
        expect(page.locator("#problem")).to_have_attribute("data-code", "401")
        # Relays only, and none allowed: gathering ends without a single candidate.
        page.wait_for_function("() => window.pc.iceGatheringState === 'complete'", timeout=TIMEOUT)
        assert page.evaluate("() => window.pc.localDescription.sdp.includes('a=candidate:')") is False
        expect(page.locator("#connection-state")).not_to_have_text("connected")


@pytest.fixture(scope="module")
def no_turn_server():
    # Over TCP, a port nobody listens on refuses at once; over UDP Chromium
    # gives up after 40 s of retransmissions, with the same error 701.
    with turn_app(f"turn:127.0.0.1:{free_port()}?transport=tcp", "any-secret") as server:
        yield server.url


def test_a_turn_server_that_cannot_be_reached_is_named(no_turn_server, red_browser, open_page, room):
    red = open_page(red_browser, f"{no_turn_server}/call?room={room}")
    expect(red.locator("#problem")).to_contain_text("Could not reach the STUN/TURN server turn:127.0.0.1:",
                                                    timeout=TIMEOUT)
    expect(red.locator("#problem")).to_have_attribute("data-code", "701")
