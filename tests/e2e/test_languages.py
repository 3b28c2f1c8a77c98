"""Chinese pages speak Chinese: before, during and after a call, refusals included.
Code, SDP, message payloads and device names stay as they are; prose does not."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from pages.content import Tutorial
from tests.harness.server import ROOT

from .checks import expect_connected

STEPS = range(1, len(Tutorial(ROOT / "steps").steps) + 1)

# Visible text outside code, in runs of three or more English words, at least
# two of them not capitalised: prose, not a name such as "Web Real-Time Communication".
# A step page's status line is the lesson's own English output: it passes only
# while its translation is shown beside it.
ENGLISH_PROSE = r"""() => {
  const found = [];
  const translation = document.getElementById('status-translation');
  const translated = translation?.checkVisibility() && translation.querySelector('[data-text]').textContent.trim();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!element || element.closest('pre, code, .code, .sdp, .payload, script, style, [translate="no"]')) continue;
    if (!element.checkVisibility({ visibilityProperty: true })) continue;
    if (translated && element.closest('#status')) continue;
    const text = walker.currentNode.textContent.replace(/\s+/g, ' ');
    for (const run of text.match(/[A-Za-z'’-]+(?:[ ,.:;!?…]+[A-Za-z'’-]+){2,}/g) || []) {
      const words = run.match(/[A-Za-z'’-]+/g);
      if (words.filter((word) => /^[a-z]/.test(word)).length >= 2) found.push(`${element.tagName}: ${run}`);
    }
  }
  return found;
}"""


def in_chinese(server, path):
    return f"{server}/lang/zh?next={quote(path)}"


def expect_no_english_prose(page):
    assert page.evaluate(ENGLISH_PROSE) == [], page.url


def test_the_detector_finds_english_prose(server, page):
    """The check itself: an English page is full of what it looks for."""
    page.goto(f"{server}/lang/en?next=/")
    assert len(page.evaluate(ENGLISH_PROSE)) > 10


@pytest.mark.parametrize("path", ["/", "/call?room=quiet"] + [f"/steps/{n}?room=quiet" for n in STEPS])
def test_a_chinese_page_shows_no_english_prose(server, page, path):
    page.goto(in_chinese(server, path))
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#socket-state, body").last).to_be_visible()
    if "room=" in path:  # the live part has started and shows its first state
        expect(page.locator("#status")).not_to_have_text("正在启动…")
    expect_no_english_prose(page)


@pytest.mark.parametrize("step", STEPS)
def test_a_chinese_step_page_translates_its_status_during_a_call(
    server, red_browser, blue_browser, open_page, room, step
):
    first = open_page(red_browser, in_chinese(server, f"/steps/{step}?room={room}"))
    expect(first.locator("#status-translation")).to_contain_text("正在等待第二个标签页")
    second = open_page(blue_browser, in_chinese(server, f"/steps/{step}?room={room}"))
    expect(first.locator("#status-translation")).to_contain_text("另一个标签页")
    if step >= 4:
        expect_connected(first)
        expect_connected(second)
    for page in (first, second):
        expect(page.locator("#status-translation")).to_be_visible()
        expect_no_english_prose(page)
    # A third tab is refused; the server's reason, keyed by its code, is in Chinese too.
    third = open_page(red_browser, in_chinese(server, f"/steps/{step}?room={room}"))
    expect(third.locator("#status-translation")).to_contain_text("这个房间已经满了")
    expect_no_english_prose(third)


def test_the_chinese_call_page_gives_the_servers_refusal_in_chinese(server, red_browser, blue_browser, open_page,
                                                                     room):
    first = open_page(red_browser, in_chinese(server, f"/call?room={room}"))
    second = open_page(blue_browser, in_chinese(server, f"/call?room={room}"))
    expect_connected(first)
    expect_connected(second)
    third = open_page(red_browser, in_chinese(server, f"/call?room={room}"))
    expect(third.locator("#status")).to_have_attribute("data-state", "room-full")
    expect(third.locator("#status")).to_contain_text("这个房间已经满了")
    for page in (first, second, third):
        expect_no_english_prose(page)
