"""Taking the code away: the copy buttons, and 'Download this step' run from disk."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from pages.content import Tutorial
from tests.harness.media import rgb_of
from tests.harness.server import ROOT, running_server

from .checks import expect_colour, expect_status

LESSON = Tutorial(ROOT / "steps").lesson
CLIPBOARD = ["clipboard-read", "clipboard-write"]


def clipboard(page):
    return page.evaluate("navigator.clipboard.readText()")


def test_the_listings_copy_button_copies_the_code_without_line_numbers_from_the_keyboard(
    server, red_browser, new_context, room
):
    page = new_context(browser=red_browser, permissions=CLIPBOARD).new_page()
    page.goto(f"{server}/lang/en?next={quote(f'/steps/3?room={room}')}")
    button = page.locator(".code-section > .copy-bar .copy-code").first
    expect(button).to_have_text("Copy")
    expect(button).to_have_attribute("aria-label", "Copy this code")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".code-section > .copy-bar .copy-said").first).to_have_text("Copied")
    assert clipboard(page) == LESSON.code(3)


def test_a_chinese_page_copies_the_diff_and_the_texts_code_and_says_so_in_chinese(
    server, red_browser, new_context, room
):
    page = new_context(browser=red_browser, permissions=CLIPBOARD).new_page()
    page.goto(f"{server}/lang/zh?next={quote(f'/steps/4?room={room}')}")
    page.click(".diff summary")
    diff_button = page.locator(".diff .copy-code")
    expect(diff_button).to_have_text("复制")
    expect(diff_button).to_have_attribute("aria-label", "复制这段代码")
    diff_button.click()
    expect(page.locator(".diff .copy-said")).to_have_text("已复制")
    assert clipboard(page) == LESSON.diff(4)
    # The first code block in the text: the helper that sets the remote description.
    block = page.locator(".explanation > .copy-bar + .codehilite").first
    page.locator(".explanation > .copy-bar .copy-code").first.click()
    assert clipboard(page) == block.inner_text()
    assert clipboard(page).startswith("async function setRemoteDescription(description) {")


@pytest.fixture(scope="module")
def file_friendly_server():
    """A server that lets pages opened from disk (Origin: null) connect."""
    with running_server("eventlet", ["--allow-origin", "null"]) as url:
        yield url


def download_step(page, folder):
    with page.expect_download() as event:
        page.click("#download-step")
    download = event.value
    assert download.suggested_filename.startswith("webrtc-step-")
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def test_a_downloaded_step_5_opened_from_disk_calls_the_step_page_it_came_from(
    file_friendly_server, red_browser, blue_browser, new_context, open_page, room, tmp_path
):
    server = file_friendly_server
    step_page = open_page(red_browser, f"{server}/steps/5?room={room}")
    expect_status(step_page, "Waiting for a second tab")
    path = download_step(step_page, tmp_path)
    assert path.name == "webrtc-step-5.html"
    on_disk = new_context(browser=blue_browser).new_page()
    on_disk.goto(path.as_uri())  # no ?room=: it joins the room it was downloaded from
    expect_status(on_disk, "Answered the offer.")  # it joined second, and answered
    assert f"room={room}" in on_disk.url
    expect_colour(on_disk, "remote-video", rgb_of("red"))
    expect_colour(step_page, "remote-video", rgb_of("blue"))


def test_a_downloaded_step_6_opened_from_disk_chats_with_the_step_page_it_came_from(
    file_friendly_server, red_browser, blue_browser, new_context, open_page, room, tmp_path
):
    """The file has the chat box the step's code uses, labelled as the page was."""
    step_page = open_page(red_browser, f"{file_friendly_server}/steps/6?room={room}")
    expect_status(step_page, "Waiting for a second tab")
    path = download_step(step_page, tmp_path)
    on_disk = new_context(browser=blue_browser).new_page()
    on_disk.goto(path.as_uri())
    for page in (step_page, on_disk):
        expect(page.locator("#chat-state")).to_have_text("open", timeout=15_000)
    on_disk.get_by_label("Message").fill("Hello from a file")
    on_disk.get_by_role("button", name="Send").click()
    expect(step_page.locator("#chat-log li")).to_have_text(["Other tab: Hello from a file"])
    expect(on_disk.locator("#chat-log li")).to_have_text(["You: Hello from a file"])


def test_a_downloaded_step_is_refused_by_a_server_that_does_not_allow_files(
    server, red_browser, blue_browser, new_context, open_page, room, tmp_path
):
    """Origin null stays refused by default (see README): the file says so, and how to allow it."""
    step_page = open_page(red_browser, f"{server}/steps/1?room={room}")
    path = download_step(step_page, tmp_path)
    open_page.expected_errors.append(r"file://.*(CORS|socket\.io|ERR_FAILED|400)")
    on_disk = new_context(browser=blue_browser).new_page()
    on_disk.goto(path.as_uri())
    expect_status(on_disk, f"Could not connect to {server}/. Is the server running? A file opened from disk "
                           "connects only to a server started with: python app.py --allow-origin null")
    expect_status(step_page, "Waiting for a second tab")
