"""Each step page keeps its promise, with two tabs in one room (red and blue cameras)."""

import itertools
import re

import pytest
from playwright.sync_api import expect

from pages.content import Tutorial
from tests.harness.media import rgb_of
from tests.harness.server import ROOT

from .checks import TIMEOUT, expect_colour, expect_connected, expect_in_call, expect_no_remote_video, expect_status
from .test_languages import expect_no_english_prose

RED, BLUE = rgb_of("red"), rgb_of("blue")
STEPS = range(1, len(Tutorial(ROOT / "steps").steps) + 1)


def open_two_tabs(open_page, server, room, step, first_browser, second_browser):
    """The first tab joins and waits; the second arrives."""
    url = f"{server}/steps/{step}?room={room}"
    first = open_page(first_browser, url)
    expect_status(first, "Waiting for a second tab")
    second = open_page(second_browser, url)
    return first, second


def logged(page, direction, event, kind=None):
    selector = f'#message-log [data-direction="{direction}"][data-event="{event}"]'
    if kind:
        selector += f'[data-type="{kind}"]'
    return page.locator(selector)


def test_step_1_connects_and_sees_the_other_tab_arrive(server, red_browser, blue_browser, open_page, room):
    first, second = open_two_tabs(open_page, server, room, 1, red_browser, blue_browser)
    expect_status(first, "The other tab joined")
    expect_status(second, "The other tab is here")
    for page in (first, second):
        expect(page.locator("#socket-state")).to_have_text("connected")
        expect(page.locator("#signaling-state")).to_have_text("stable")  # a peer connection exists
        expect(page.locator("#connection-state")).to_have_text("new")
    expect(logged(first, "in", "peer-joined")).to_have_count(1)
    # Step 1 opens no camera and sends no signals.
    expect(first.locator("#tracks li")).to_have_count(0)
    expect(logged(first, "out", "signal")).to_have_count(0)


def test_step_2_plays_the_local_camera(server, red_browser, blue_browser, open_page, room):
    first, second = open_two_tabs(open_page, server, room, 2, red_browser, blue_browser)
    expect_colour(first, "local-video", RED)
    expect_colour(second, "local-video", BLUE)
    expect(first.locator("#tracks li")).to_have_count(2)
    expect(first.locator('#tracks li[data-kind="video"]')).to_have_count(1)
    expect(first.locator('#tracks li[data-kind="audio"]')).to_have_count(1)
    expect_status(first, "The other tab joined")
    expect(logged(first, "out", "signal")).to_have_count(0)


def test_step_3_shows_the_offer_and_candidates_on_both_sides(
    server, red_browser, blue_browser, open_page, room
):
    caller, callee = open_two_tabs(open_page, server, room, 3, red_browser, blue_browser)
    expect(logged(caller, "out", "signal", "offer")).to_have_count(1)
    expect(logged(callee, "in", "signal", "offer")).to_have_count(1)
    expect(logged(caller, "out", "signal", "candidate").first).to_be_attached(timeout=TIMEOUT)
    expect(logged(callee, "in", "signal", "candidate").first).to_be_attached(timeout=TIMEOUT)
    # Each candidate row names its transport, address, port and type.
    expect(logged(caller, "out", "signal", "candidate").first).to_contain_text(
        re.compile(r"candidate (udp|tcp) 127\.0\.0\.1:\d+ host"))
    expect_status(callee, "Received an offer")
    # The SDP is shown, sent on one side and received on the other.
    caller.click("#sdp-sent summary")
    callee.click("#sdp-received summary")
    expect(caller.locator("#sdp-sent .sdp li").first).to_have_text("v=0")
    expect(callee.locator("#sdp-received .sdp li").first).to_have_text("v=0")
    expect(callee.locator("#sdp-received .sdp li", has_text="a=fingerprint")).to_have_count(2)
    # Nobody answers yet.
    expect(caller.locator("#signaling-state")).to_have_text("have-local-offer")
    expect(callee.locator("#signaling-state")).to_have_text("stable")
    expect(logged(callee, "out", "signal", "answer")).to_have_count(0)


def test_step_4_connects_but_shows_no_remote_video(server, red_browser, blue_browser, open_page, room):
    caller, callee = open_two_tabs(open_page, server, room, 4, red_browser, blue_browser)
    expect_connected(caller)
    expect_connected(callee)
    expect(logged(callee, "out", "signal", "answer")).to_have_count(1)
    expect(logged(caller, "in", "signal", "answer")).to_have_count(1)
    expect_no_remote_video(caller)
    expect_no_remote_video(callee)


def test_step_5_plays_the_other_tabs_video(server, red_browser, blue_browser, open_page, room):
    caller, callee = open_two_tabs(open_page, server, room, 5, red_browser, blue_browser)
    expect_in_call(caller, callee)


# Per language: how the chat names this tab and the other one, and what each tab says.
CHATS = {
    "en": ("You", "Other tab", "Hello from the red tab", "Blue here, hello back"),
    "zh": ("我", "另一个标签页", "红色标签页向你问好", "我是蓝色标签页，你好"),
}


def say(page, text):
    """Type a message into the chat and press Enter, as a person at the keyboard does."""
    page.locator("#chat-input").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("language", CHATS)
def test_step_6_chats_both_ways_over_the_data_channel(server, red_browser, blue_browser, open_page, room, language):
    me, other, hello, reply = CHATS[language]
    url = f"{server}/lang/{language}?next=/steps/6%3Froom%3D{room}"
    caller = open_page(red_browser, url)
    expect_status(caller, "Waiting for a second tab")
    # Alone, there is no channel yet, and nothing can be typed.
    expect(caller.locator("#chat-state")).to_have_text("–")
    expect(caller.locator("#chat-input")).to_be_disabled()
    callee = open_page(blue_browser, url)
    expect_in_call(caller, callee)
    for page in (caller, callee):
        expect(page.locator("#chat-state")).to_have_text("open")
        expect(page.locator("#chat-input")).to_be_enabled()
        expect_status(page, "The data channel is open")
    # The caller's offer has a section for the channel; the callee answered it.
    caller.click("#sdp-sent summary")
    expect(caller.locator("#sdp-sent .sdp li", has_text="m=application")).to_have_count(1)

    say(caller, hello)
    expect(callee.locator("#chat-log li")).to_have_text([f"{other}: {hello}"])
    # The other way, the Send button reached with Tab.
    callee.locator("#chat-input").focus()
    callee.keyboard.type(reply)
    callee.keyboard.press("Tab")
    expect(callee.get_by_role("button", name={"en": "Send", "zh": "发送"}[language])).to_be_focused()
    callee.keyboard.press("Enter")
    expect(caller.locator("#chat-log li")).to_have_text([f"{me}: {hello}", f"{other}: {reply}"])
    expect(callee.locator("#chat-log li")).to_have_text([f"{other}: {hello}", f"{me}: {reply}"])
    expect(callee.locator("#chat-input")).to_have_value("")
    if language == "zh":
        for page in (caller, callee):
            expect_no_english_prose(page)
    # Peer to peer: no message passed through the signaling server.
    for page in (caller, callee):
        expect(page.locator("#message-log")).not_to_contain_text(hello)
        expect(page.locator("#message-log")).not_to_contain_text(reply)
    # When one tab leaves, the other sees its channel close and can no longer type.
    callee.close(run_before_unload=True)
    expect(caller.locator("#chat-state")).to_have_text("closed", timeout=TIMEOUT)
    expect(caller.locator("#chat-input")).to_be_disabled()
    expect_status(caller, "The other tab left")
    expect(caller.locator("#connection-state")).to_have_text("closed")


def test_step_6_calls_and_chats_again_once_both_tabs_are_reloaded_one_after_the_other(
    server, red_browser, blue_browser, open_page, room
):
    """What the status line asks for after a call. A connection serves one call, and
    its data channel cannot carry on with a new tab: the tab that stays says so."""
    caller, callee = open_two_tabs(open_page, server, room, 6, red_browser, blue_browser)
    for page in (caller, callee):
        expect(page.locator("#chat-state")).to_have_text("open", timeout=TIMEOUT)
    callee.reload()
    expect_status(caller, "This tab already had a call, and its connection is closed. Reload this tab to call again.")
    expect(caller.locator("#chat-state")).to_have_text("closed")
    expect(caller.locator("#connection-state")).to_have_text("closed")
    expect_status(callee, "The other tab is here")
    caller.reload()
    for page in (caller, callee):
        expect(page.locator("#chat-state")).to_have_text("open", timeout=TIMEOUT)
    say(caller, "Hello again")
    expect(callee.locator("#chat-log li")).to_have_text(["Other tab: Hello again"])
    expect_in_call(caller, callee)


def test_each_step_page_runs_the_code_it_shows(server, page, room):
    """The module the page loads is the text the page displays, line for line."""
    for step in STEPS:
        page = one_step_page(page.context, f"{server}/steps/{step}?room={room}-{step}")
        shown = page.evaluate(SHOWN_CODE)
        src = page.locator('script[type="module"]').get_attribute("src")
        loaded = page.evaluate("(src) => fetch(src).then((r) => r.text())", src)
        assert shown.rstrip("\n") == loaded.rstrip("\n")
        assert "[step" not in loaded


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}],
                         ids=["laptop", "phone"])
def test_the_listing_shows_every_line_on_a_row_of_its_own_and_marks_the_new_ones(
    server, red_browser, new_context, room, viewport
):
    """Runs of new lines once collapsed into one row: 3 of step 1's 27 new lines showed."""
    context = new_context(browser=red_browser, viewport=viewport)
    tutorial = Tutorial(ROOT / "steps")
    lesson = tutorial.lesson
    for step in range(1, len(tutorial.steps) + 1):
        page = one_step_page(context, f"{server}/steps/{step}?room={room}-{step}")
        rows = page.evaluate(LISTING_ROWS)
        assert [row["number"] for row in rows] == list(range(1, len(lesson.code(step).splitlines()) + 1))
        tops = [row["top"] for row in rows]
        heights = {row["height"] for row in rows}
        assert all(later - earlier >= min(heights) - 1 for earlier, later in itertools.pairwise(tops)), (step, tops)
        marked = [row["number"] for row in rows if row["marked"]]
        assert marked == list(lesson.new_line_numbers(step)), step
        for row in rows:
            if row["marked"]:  # its mark is seen: a coloured row as wide as its code, with a bar
                assert row["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), row
                assert row["width"] >= row["textWidth"] and row["bar"] != "none", row


# Each line of the listing: its number, where its row is, and how it is marked.
LISTING_ROWS = """() => [...document.querySelectorAll('.code-section > .code pre .linenos')].map((number) => {
  const row = number.closest('.hll');
  const box = (row || number).getBoundingClientRect();
  const range = document.createRange();
  range.setStartBefore(number);
  let end = number;
  while (end.nextSibling && !(end.nextSibling.classList?.contains('linenos')) && !end.textContent.includes('\\n')) {
    end = end.nextSibling;
  }
  range.setEndAfter(end);
  const style = row ? getComputedStyle(row) : null;
  return {
    number: Number(number.textContent),
    top: Math.round(number.getBoundingClientRect().top),
    height: Math.round(number.getBoundingClientRect().height),
    marked: Boolean(row),
    width: Math.round(box.width),
    textWidth: Math.round(range.getBoundingClientRect().width),
    background: style?.backgroundColor,
    bar: style?.boxShadow,
  };
})"""


def one_step_page(context, url):
    """A tab of its own for each step page, the last one closed as a tab is. (Going
    from page to page in one tab, the page left behind now and then logged a 400 for
    a request its socket made after saying goodbye, which fails any browser test.)"""
    for page in context.pages:
        page.close()
    page = context.new_page()
    page.goto(url)
    return page


SHOWN_CODE = """() => {
  const pre = document.querySelector('.code-section > .code pre').cloneNode(true);
  pre.querySelectorAll('.linenos').forEach((n) => n.remove());
  return pre.textContent;
}"""


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("websocket", [True, False], ids=["default transports", "long-polling only"])
def test_a_closed_tab_is_noticed_at_once_on_every_step(server, red_browser, blue_browser, open_page, room, step,
                                                       websocket):
    """The step text promises it; at the Socket.IO ping timeout it took 42-50 s.
    Long-polling only, as behind a proxy that does not pass WebSocket: the closing
    tab's pending GET is all the server has to go on."""
    url = f"{server}/steps/{step}?room={room}"
    first = open_page(red_browser, url)
    expect_status(first, "Waiting for a second tab")
    second = open_page(blue_browser, url, ws_route=None if websocket else refuse_websocket)
    expect(logged(first, "in", "peer-joined")).to_have_count(1, timeout=TIMEOUT)
    second.close(run_before_unload=True)  # as a person closing a tab does
    expect(first.locator("#status")).to_contain_text("The other tab left", timeout=2000)


def refuse_websocket(route):
    """Every WebSocket to the server fails, so Engine.IO stays on long-polling."""
    route.close(code=1011, reason="no WebSocket here")
