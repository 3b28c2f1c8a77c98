"""The call page's code panels, as a learner sees them: beside their text on a
laptop, under it on a phone, every line on a row of its own, and a Copy button
that copies exactly the lines of the file between the region's markers."""

import itertools
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .test_layout import NESTED_SCROLLS, VIEWPORTS

# Each line number of a panel, and where its row is.
ROWS = """(panel) => [...panel.querySelectorAll('pre .linenos')].map((number) => {
  const box = number.getBoundingClientRect();
  return { number: Number(number.textContent), top: Math.round(box.top), height: Math.round(box.height) };
})"""


def box(locator):
    """Where the element is on the page (not the viewport), once scrolled into view."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_in_viewport()
    return locator.evaluate("""(element) => {
      const box = element.getBoundingClientRect();
      return { x: box.x + scrollX, y: box.y + scrollY, width: box.width, height: box.height };
    }""")


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_each_code_panel_is_beside_its_text_with_every_line_on_its_own_row(
    server, red_browser, new_context, room, viewport
):
    page = new_context(browser=red_browser, viewport=viewport).new_page()
    page.goto(f"{server}/lang/en?next={quote(f'/call?room={room}')}")
    sections = page.locator(".walk:has(.code-ref)")
    assert sections.count() >= 10
    for index in range(sections.count()):
        section = sections.nth(index)
        text = box(section.locator(".walk-text"))
        panels = section.locator(".code-ref")
        for number in range(panels.count()):
            panel = panels.nth(number)
            code = box(panel.locator(".code"))
            expect(panel.locator("figcaption")).to_be_visible()
            if viewport["width"] >= 1000:  # beside the text, the first panel level with it
                assert code["x"] >= text["x"] + text["width"], (index, text, code)
                assert number > 0 or code["y"] < text["y"] + text["height"], (index, text, code)
            else:  # under the text, within the screen's width
                assert code["y"] >= text["y"] + text["height"], (index, text, code)
                assert code["x"] >= 0 and code["x"] + code["width"] <= viewport["width"], (index, code)
            rows = panel.evaluate(ROWS)
            first, last = int(panel.get_attribute("data-first")), int(panel.get_attribute("data-last"))
            assert [row["number"] for row in rows] == list(range(first, last + 1))
            tops = [row["top"] for row in rows]
            height = min(row["height"] for row in rows)
            assert all(later - earlier >= height - 1 for earlier, later in itertools.pairwise(tops)), (index, tops)
    assert page.evaluate(NESTED_SCROLLS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways page scroll


@pytest.mark.parametrize(("language", "copied"), [("en", "Copied"), ("zh", "已复制")])
def test_the_copy_button_copies_the_regions_lines_from_the_served_file(
    server, red_browser, new_context, room, language, copied
):
    page = new_context(browser=red_browser, permissions=["clipboard-read", "clipboard-write"]).new_page()
    page.goto(f"{server}/lang/{language}?next={quote(f'/call?room={room}')}")
    panel = page.locator('.code-ref[data-file="call.js"][data-region="hang-up"]')
    served = page.request.get(server + panel.locator("figcaption a").get_attribute("href")).text().splitlines()
    first, last = int(panel.get_attribute("data-first")), int(panel.get_attribute("data-last"))
    assert served[first - 2] == "// [call: hang-up]" and served[last] == "// [/call]"
    panel.locator(".copy-code").click()
    expect(panel.locator(".copy-said")).to_have_text(copied)
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(served[first - 1:last]) + "\n"
