"""A call test that fails on purpose, run only by test_plugin_options.py (the name
does not start with test_, so the suite never collects it by itself)."""

from playwright.sync_api import expect

from tests.e2e.checks import expect_status


def test_the_other_side_never_answers(server, red_browser, open_page, room):
    page = open_page(red_browser, f"{server}/call?room={room}")
    expect_status(page, "Waiting for someone")
    # Nobody else joins: this times out, and the test fails.
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=1000)
