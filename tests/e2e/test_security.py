"""What a stranger or a hostile peer can do to a page: nothing that runs, nothing they
should see. The pages themselves run under the app's Content-Security-Policy."""

from urllib.parse import quote

from playwright.sync_api import expect

from tests.harness.media import rgb_of

from .checks import expect_colour, expect_connected, expect_status

XSS = "<img src=x onerror=window.__pwned=1>"


def test_a_private_room_lets_the_link_in_and_keeps_a_stranger_out(server, red_browser, blue_browser, open_page):
    owner = open_page(red_browser, f"{server}/call?private=1")
    expect_status(owner, "Waiting for someone")
    link = owner.url
    assert "#key=" in link and "private" not in link

    # A stranger with the room's name but not its key waits in a room of their
    # own, before and after the friend arrives, and never reaches the call.
    room_only = link.split("#")[0]
    stranger = open_page(blue_browser, room_only)
    expect_status(stranger, "Waiting for someone")

    friend = open_page(blue_browser, link)
    expect_connected(owner)
    expect_connected(friend)
    expect_colour(friend, "remote-video", rgb_of("red"))
    expect_colour(owner, "remote-video", rgb_of("blue"))
    expect_status(stranger, "Waiting for someone")
    expect(stranger.locator("#connection-state")).to_have_text("new")
    expect(stranger.locator('#message-log [data-direction="in"][data-event="peer-joined"]')).to_have_count(0)


def test_switching_language_keeps_a_private_room_and_its_key(server, red_browser, open_page):
    page = open_page(red_browser, f"{server}/call?private=1")
    expect_status(page, "Waiting for someone")
    link = page.url
    page.click('.languages a[hreflang="zh"]')
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    assert page.url == link  # the same room, the same key: not a new private room
    expect(page.locator("#status")).to_have_attribute("data-state", "waiting")


def test_markup_in_a_room_name_is_shown_as_text(server, red_browser, open_page):
    page = open_page(red_browser, f"{server}/steps/1?room={quote(XSS)}")
    expect(page.locator("#room-name")).to_have_text(XSS)
    expect_status(page, "A room name is 1-64 characters")  # refused by the server, shown as text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0


def test_markup_in_a_signaling_message_is_shown_as_text(server, red_browser, blue_browser, open_page, room):
    """A hostile peer's message reaches the log and SDP panels as text, never as markup."""
    victim = open_page(red_browser, f"{server}/steps/1?room={room}")
    expect_status(victim, "Waiting for a second tab")
    # The attacker uses the Socket.IO client of any page of the app, on a socket of its own.
    attacker = open_page(blue_browser, f"{server}/steps/1?room={room}-elsewhere")
    attacker.evaluate(
        """async ([room, xss]) => {
             const socket = io('/signal', { forceNew: true });
             await new Promise((resolve) => socket.on('connect', resolve));
             await socket.emitWithAck('join', { room });
             socket.emit('signal', { type: 'offer', sdp: xss });
           }""",
        [room, XSS],
    )
    entry = victim.locator('#message-log [data-direction="in"][data-type="offer"]')
    expect(entry).to_have_count(1)
    entry.locator("summary").click()
    expect(entry.locator("pre")).to_contain_text(XSS)
    victim.click("#sdp-received summary")
    expect(victim.locator("#sdp-received .sdp li")).to_have_text([XSS])
    assert victim.evaluate("window.__pwned") is None
    assert victim.locator("img").count() == 0
