"""The call page behind a real nginx (the shipped deploy/nginx.conf) in front of
two app processes, in two Chromium instances (red and blue cameras): a call, and
a rolling restart in the middle of one.

Today's processes keep their rooms in memory, and nginx's ip_hash sends both
pages (both from 127.0.0.1) to the same process, so the pages move together
when it stops. With rooms shared through a message queue, pass its option in
APP_ARGS (and pages on different processes would each come back to theirs)."""

import contextlib
import signal

import pytest
from playwright.sync_api import expect

from serving.graceful import GRACE_SECONDS
from tests.harness.media import rgb_of
from tests.harness.nginx import behind_nginx
from tests.harness.resources import sockets

from .checks import TIMEOUT, expect_colour, expect_in_call, expect_status
from .test_call import start_call
from .test_faults import ICE_UFRAG, expect_video_flowing

RED, BLUE = rgb_of("red"), rgb_of("blue")
APP_ARGS = ()  # e.g. ("--message-queue", "redis://127.0.0.1:PORT/0") once rooms can live in Redis

# From now on, every state the status line shows, in order, kept for the test.
RECORD_STATUS = """() => {
  window.statusHistory = [];
  const status = document.getElementById('status');
  new MutationObserver(() => {
    const state = status.dataset.state;
    if (state !== window.statusHistory.at(-1)) window.statusHistory.push(state);
  }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
}"""

# Since entry `mark` of its history, the page showed it was reconnecting and is
# now back in its call.
BACK_IN_CALL = """(mark) => {
  const seen = window.statusHistory.slice(mark);
  const lost = seen.indexOf('reconnecting');
  return lost >= 0 && seen.indexOf('connected', lost) > lost
    && document.getElementById('status').dataset.state === 'connected';
}"""


@pytest.fixture
def proxied(nginx_installed):
    with behind_nginx(extra_args=APP_ARGS) as started:
        yield started


def test_a_call_through_nginx(proxied, red_browser, blue_browser, open_page, room):
    red, blue = start_call(open_page, proxied.url, room, red_browser, blue_browser)
    expect_colour(red, "remote-video", BLUE)
    expect_colour(blue, "remote-video", RED)


def test_a_rolling_restart_keeps_the_call(proxied, red_browser, blue_browser, open_page, room):
    """Each process in turn is stopped with SIGTERM while it holds the call's
    signaling, and started again: the media never stops, both pages come back to
    their room through nginx, and a new call in that room works afterwards."""
    # While a process is down, nginx may answer a reconnection with 502, or the
    # browser see a connection fail; both are expected, and retried.
    open_page.expected_errors.append(r"socket\.io/.*(502|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE)")
    red, blue = start_call(open_page, proxied.url, room, red_browser, blue_browser)
    expect_in_call(red, blue)
    for page in (red, blue):
        page.evaluate(RECORD_STATUS)
    running = list(proxied.apps)
    with contextlib.ExitStack() as restarted:
        for _ in range(len(running)):
            # The process that holds the pages' connections (a listener and theirs).
            holding = max(running, key=lambda app: sockets(app.pid))
            marks = [page.evaluate("window.statusHistory.length") for page in (red, blue)]
            ufrags = [page.evaluate(ICE_UFRAG) for page in (red, blue)]
            holding.process.send_signal(signal.SIGTERM)
            assert holding.process.wait(timeout=GRACE_SECONDS + 5) == 0, holding.output()

            # It is down: the call is peer to peer, its media keeps flowing.
            expect_video_flowing(red)
            expect_video_flowing(blue)
            for page, mark in zip((red, blue), marks, strict=True):
                page.wait_for_function(BACK_IN_CALL, arg=mark, timeout=TIMEOUT)
                expect(page.locator("#socket-state")).to_have_text("connected", timeout=TIMEOUT)
            # Back together, they renegotiate (an ICE restart) over the new signaling path.
            for page, ufrag in zip((red, blue), ufrags, strict=True):
                page.wait_for_function(f"() => window.pc.signalingState === 'stable' && ({ICE_UFRAG})() !== '{ufrag}'",
                                       timeout=TIMEOUT)
            expect_colour(red, "remote-video", BLUE)
            expect_colour(blue, "remote-video", RED)

            running[running.index(holding)] = restarted.enter_context(proxied.restart(holding))

        expect_video_flowing(red)
        # Both are in their room: hang up, join again, and a new call connects.
        blue.click("#hang-up")
        expect_status(red, "The other person left")
        blue.click("#rejoin")
        expect_in_call(red, blue)
