"""The call page also calls a peer that puts all its candidates in its SDP."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.harness.media import rgb_of

from .checks import expect_colour, expect_connected, expect_status

PEER_SCRIPT = Path(__file__).with_name("non_trickle_peer.js")


def start_non_trickle_peer(open_page, browser, server, room):
    # The fake peer is test code injected into a page: let it past the app's CSP.
    page = open_page(browser, f"{server}/", bypass_csp=True)
    page.add_script_tag(url="/static/vendor/socket.io/socket.io.min.js")
    page.add_script_tag(path=PEER_SCRIPT)
    return page, page.evaluate("(room) => window.startNonTricklePeer(room)", room)


@pytest.mark.parametrize("peer_joins_first", [True, False], ids=["peer-offers", "page-offers"])
def test_call_page_with_a_peer_that_does_not_trickle(
    server, red_browser, blue_browser, open_page, room, peer_joins_first
):
    if peer_joins_first:
        peer, reply = start_non_trickle_peer(open_page, blue_browser, server, room)
        call = open_page(red_browser, f"{server}/call?room={room}")
    else:
        call = open_page(red_browser, f"{server}/call?room={room}")
        expect_status(call, "Waiting for someone")
        peer, reply = start_non_trickle_peer(open_page, blue_browser, server, room)
    assert reply["ok"] is True

    expect_connected(call)
    expect_colour(call, "remote-video", rgb_of("blue"))
    expect_colour(peer, "remote-video", rgb_of("red"))
    # Everything the page learned about the peer's addresses came inside the SDP.
    expect(call.locator('#message-log [data-direction="in"][data-type="candidate"]')).to_have_count(0)
