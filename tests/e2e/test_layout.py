"""The pages' layout on a laptop and on a phone: one scroll for the page, and a
header whose language switch stays beside the site's name."""

import pytest
from playwright.sync_api import expect

from .checks import expect_connected

VIEWPORTS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

# Elements that scroll vertically inside the page: a scroll area within a scroll area.
NESTED_SCROLLS = """() => [...document.body.querySelectorAll('*')].filter((element) => {
  const overflow = getComputedStyle(element).overflowY;
  return /(auto|scroll)/.test(overflow) && element.scrollHeight > element.clientHeight + 1;
}).map((element) => `${element.tagName}.${element.className} ${element.clientHeight}/${element.scrollHeight}`)"""


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_a_step_page_in_a_call_scrolls_as_one_page(server, red_browser, blue_browser, new_context, room, viewport):
    pages = [new_context(browser=browser, viewport=viewport).new_page() for browser in (red_browser, blue_browser)]
    for page in pages:
        page.goto(f"{server}/steps/4?room={room}")
    for page in pages:
        expect_connected(page)
        page.click("#sdp-received summary")
        page.locator("#message-log details").first.click()  # a payload opened too
    for page in pages:
        assert page.evaluate(NESTED_SCROLLS) == [], viewport
        log = page.locator("#message-log li").last
        log.scroll_into_view_if_needed()
        expect(log).to_be_in_viewport()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("path", ["/", "/steps/3?room=layout", "/call?room=layout"])
def test_the_language_switch_stays_beside_the_sites_name(server, red_browser, new_context, viewport, path):
    page = new_context(browser=red_browser, viewport=viewport).new_page()
    page.goto(server + path)
    brand = page.locator("header .brand").bounding_box()
    switch = page.locator("header .languages").bounding_box()
    assert switch["y"] < brand["y"] + brand["height"] and brand["y"] < switch["y"] + switch["height"]
    assert switch["x"] + switch["width"] <= viewport["width"]
