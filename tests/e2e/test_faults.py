"""Faults the call page survives: a tab closed or reloaded mid-call, the signaling
server killed and restarted, both sides negotiating at once, ICE failing."""

from playwright.sync_api import expect

from tests.harness.media import rgb_of
from tests.harness.server import free_port, running_server

from .checks import TIMEOUT, expect_colour, expect_connected, expect_in_call, expect_status, wait_for_async
from .test_call import start_call

RED, BLUE = rgb_of("red"), rgb_of("blue")

FRAMES_DECODED = """async () => {
  for (const report of (await window.pc.getStats()).values()) {
    if (report.type === 'inbound-rtp' && report.kind === 'video') return report.framesDecoded;
  }
  return 0;
}"""


def expect_video_flowing(page):
    """More frames are decoded a moment later: the picture is live, not frozen."""
    before = page.evaluate(FRAMES_DECODED)
    wait_for_async(page, FRAMES_DECODED, until=lambda decoded: decoded > before + 5)


def test_peer_closes_the_tab_and_someone_new_calls(server, red_browser, blue_browser, open_page, room):
    red, blue = start_call(open_page, server, room, red_browser, blue_browser)
    blue.close()
    # Within 2 s of the tab closing, not at the Socket.IO ping timeout (25 s and more).
    expect(red.locator("#status")).to_have_attribute("data-state", "peer_left", timeout=2000)
    expect_status(red, "The other person left")
    newcomer = open_page(blue_browser, f"{server}/call?room={room}")
    expect_in_call(red, newcomer)


def test_peer_reloads_and_the_call_comes_back(server, red_browser, blue_browser, open_page, room):
    red, blue = start_call(open_page, server, room, red_browser, blue_browser)
    blue.reload()
    expect_in_call(red, blue)
    expect_video_flowing(red)


def test_signaling_server_restarts_mid_call(red_browser, blue_browser, open_page, room):
    # While the server is down, the browser reports each refused reconnection attempt.
    open_page.expected_errors.append(r"socket\.io/.*ERR_CONNECTION_REFUSED")
    port = free_port()
    with running_server(port=port) as server:
        red, blue = start_call(open_page, server, room, red_browser, blue_browser)
        expect_colour(red, "remote-video", BLUE)

    # The server is gone. The call is peer to peer: its media keeps flowing.
    for page in (red, blue):
        expect_status(page, "Reconnecting")
        expect(page.locator("#socket-state")).not_to_have_text("connected")
    expect_video_flowing(red)
    expect_video_flowing(blue)

    with running_server(port=port):
        for page in (red, blue):
            expect(page.locator("#socket-state")).to_have_text("connected", timeout=TIMEOUT)
            expect_status(page, "In a call")
        expect_video_flowing(red)
        # Both are back in their room: hang up, join again, and a new call connects.
        blue.click("#hang-up")
        expect_status(red, "The other person left")
        blue.click("#rejoin")
        expect_in_call(red, blue)


ICE_UFRAG = "() => /a=ice-ufrag:(\\S+)/.exec(window.pc.remoteDescription.sdp)[1]"


class HeldDelivery:
    """Sits in a page's WebSocket: while held, messages from the server wait;
    drop() cuts the connection at both ends, as a network blip would."""

    def __init__(self):
        self.held = False
        self.waiting = []
        self.page_side = self.server_side = None

    def route(self, ws):
        self.page_side = ws
        self.server_side = server = ws.connect_to_server()
        server.on_message(lambda message: self.waiting.append(message) if self.held else ws.send(message))

    def drop(self):
        self.server_side.close()
        self.page_side.close()

    def release(self):
        self.held = False
        for message in self.waiting:
            self.page_side.send(message)
        self.waiting.clear()


def test_both_sides_renegotiate_at_the_same_moment(server, red_browser, blue_browser, open_page, room):
    """Glare: both make an offer before either sees the other's. Perfect negotiation
    lets the polite side (the newcomer) give way, and the call carries on."""
    deliveries = {"red": HeldDelivery(), "blue": HeldDelivery()}
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url, ws_route=deliveries["red"].route)
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, url, ws_route=deliveries["blue"].route)
    for page in (red, blue):
        expect_connected(page)
    ufrags = [page.evaluate(ICE_UFRAG) for page in (red, blue)]
    offers_sent = [page.locator('#message-log [data-direction="out"][data-type="offer"]') for page in (red, blue)]
    counts = [offers.count() for offers in offers_sent]

    for delivery in deliveries.values():
        delivery.held = True
    for page in (red, blue):
        page.evaluate("window.pc.restartIce()")
    for offers, count in zip(offers_sent, counts, strict=True):
        expect(offers).to_have_count(count + 1, timeout=TIMEOUT)  # both have offered: the offers cross
    for delivery in deliveries.values():
        delivery.release()

    for page, ufrag in zip((red, blue), ufrags, strict=True):
        page.wait_for_function(f"() => window.pc.signalingState === 'stable' && ({ICE_UFRAG})() !== '{ufrag}'",
                               timeout=TIMEOUT)
        expect_connected(page)
    expect_colour(red, "remote-video", BLUE)
    expect_colour(blue, "remote-video", RED)
    expect_video_flowing(blue)


def test_one_side_loses_its_connection_and_the_call_starts_over(
    server, red_browser, blue_browser, open_page, room
):
    """The server stays up and tells the other side this one left; on its return,
    the other side calls afresh, and this side must let go of its old connection."""
    blue_socket = HeldDelivery()
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url)
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, url, ws_route=blue_socket.route)
    expect_in_call(red, blue)
    fingerprint = blue.evaluate("() => /a=fingerprint:(.+)/.exec(window.pc.remoteDescription.sdp)[1]")

    blue_socket.drop()
    expect_status(red, "The other person left")
    # Socket.IO reconnects by itself; red calls the newcomer on a new connection.
    blue.wait_for_function(
        "(old) => /a=fingerprint:(.+)/.exec(window.pc.remoteDescription?.sdp ?? '')?.[1] !== old"
        " && window.pc.remoteDescription !== null", arg=fingerprint, timeout=TIMEOUT)
    expect_in_call(red, blue)
    expect_video_flowing(blue)


def test_broken_ice_triggers_an_ice_restart(server, red_browser, blue_browser, open_page, room, udp_blackout):
    deliveries = [HeldDelivery(), HeldDelivery()]
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url, ws_route=deliveries[0].route)
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, url, ws_route=deliveries[1].route)
    expect_in_call(red, blue)
    ufrags = [page.evaluate(ICE_UFRAG) for page in (red, blue)]

    udp_blackout(True)
    # Connectivity checks go unanswered: ICE reports "disconnected", and the
    # page restarts ICE with a new offer rather than waiting on a dead path.
    expect(red.locator("#ice-state")).to_have_text("disconnected", timeout=TIMEOUT)
    # Hold the restart's signaling until the network is back, so that its
    # connectivity checks run on a working network (as after a real outage).
    for delivery in deliveries:
        delivery.held = True
    restart_offer = [page.locator('#message-log [data-direction="out"][data-type="offer"]') for page in (red, blue)]
    counts = [offers.count() for offers in restart_offer]
    red.wait_for_function(
        "(count) => document.querySelectorAll("
        "'#message-log [data-direction=\"out\"][data-type=\"offer\"]').length > count",
        arg=counts[0], timeout=TIMEOUT,
    )
    udp_blackout(False)
    for delivery in deliveries:
        delivery.release()

    for page, ufrag in zip((red, blue), ufrags, strict=True):
        page.wait_for_function(f"() => ({ICE_UFRAG})() !== '{ufrag}'", timeout=TIMEOUT)
    expect_in_call(red, blue)
    expect_video_flowing(red)
    expect_video_flowing(blue)
