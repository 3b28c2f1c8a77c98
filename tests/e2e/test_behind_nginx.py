"""The call page behind a real nginx (the shipped deploy/nginx.conf) in front of
two app processes, in two Chromium instances (red and blue cameras): a call, and
a rolling restart in the middle of one, with the processes sharing rooms
through a real Redis.

nginx hashes on the room each page names when it connects, so both pages of a
call reach one process, and both move to the other when it stops. (Peers on two
processes are tested in test_redis_call.py, without a proxy.)
"""

import contextlib
import signal

import pytest
from playwright.sync_api import expect

import serving
from serving.graceful import GRACE_SECONDS
from tests.harness.media import rgb_of
from tests.harness.nginx import behind_nginx
from tests.harness.resources import wait_until

from .checks import TIMEOUT, expect_colour, expect_in_call, expect_status
from .test_call import start_call
from .test_faults import ICE_UFRAG, expect_video_flowing

RED, BLUE = rgb_of("red"), rgb_of("blue")

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


def expect_clients(apps, counts):
    if not wait_until(lambda: [app.clients() for app in apps] == counts, TIMEOUT / 1000):
        assert [app.clients() for app in apps] == counts


@pytest.fixture
def proxied(nginx_installed):
    with behind_nginx() as started:
        yield started


@pytest.fixture(params=serving.ASYNC_MODES)
def shared(request, nginx_installed, redis):
    """Two processes sharing rooms in Redis, behind nginx, under each async mode."""
    redis.client().flushall()
    with behind_nginx(request.param, extra_args=("--message-queue", redis.url)) as started:
        yield started


def test_a_call_through_nginx(proxied, red_browser, blue_browser, open_page, room):
    red, blue = start_call(open_page, proxied.url, room, red_browser, blue_browser)
    expect_colour(red, "remote-video", BLUE)
    expect_colour(blue, "remote-video", RED)


def test_a_rolling_restart_keeps_the_call(shared, red_browser, blue_browser, open_page, room):
    """Each process in turn is stopped with SIGTERM mid-call and started again:
    the media never stops, the pages reconnect through nginx to the other
    process and rejoin their room, and a new call in that room works afterwards."""
    # While a process is down, nginx may answer a reconnection with 502, or the
    # browser see a connection fail; both are expected, and retried.
    open_page.expected_errors.append(r"socket\.io/.*(502|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE)")
    apps = list(shared.apps)
    red, blue = start_call(open_page, shared.url, room, red_browser, blue_browser)
    expect_clients(apps, [2, 0] if apps[0].clients() else [0, 2])  # one room, one process
    for page in (red, blue):
        page.evaluate(RECORD_STATUS)

    with contextlib.ExitStack() as restarted:
        for _ in apps:
            stopping = next(index for index, app in enumerate(apps) if app.clients() == 2)
            marks = [page.evaluate("window.statusHistory.length") for page in (red, blue)]
            ufrags = [page.evaluate(ICE_UFRAG) for page in (red, blue)]
            apps[stopping].process.send_signal(signal.SIGTERM)
            assert apps[stopping].process.wait(timeout=GRACE_SECONDS + 5) == 0, apps[stopping].output()

            # It is down: the call is peer to peer, its media keeps flowing.
            expect_video_flowing(red)
            expect_video_flowing(blue)
            for page, mark in zip((red, blue), marks, strict=True):  # back, on the other process, in their room
                page.wait_for_function(BACK_IN_CALL, arg=mark, timeout=TIMEOUT)
            expect_clients([apps[1 - stopping]], [2])
            # Back together, both renegotiate (an ICE restart) over the new signaling path.
            for page, ufrag in zip((red, blue), ufrags, strict=True):
                page.wait_for_function(f"() => window.pc.signalingState === 'stable' && ({ICE_UFRAG})() !== '{ufrag}'",
                                       timeout=TIMEOUT)
                expect(page.locator("#socket-state")).to_have_text("connected", timeout=TIMEOUT)
            expect_colour(red, "remote-video", BLUE)
            expect_colour(blue, "remote-video", RED)

            apps[stopping] = restarted.enter_context(shared.restart(apps[stopping]))
            expect_clients(apps, [0, 2] if stopping == 0 else [2, 0])

        expect_video_flowing(red)
        # Both are in their room: hang up, join again, and a new call connects.
        blue.click("#hang-up")
        expect_status(red, "The other person left")
        blue.click("#rejoin")
        expect_in_call(red, blue)
        expect_colour(red, "remote-video", BLUE)
        expect_colour(blue, "remote-video", RED)
