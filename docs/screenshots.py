"""Take the README's screenshots from the real app: a call with its statistics, its
"Join from a phone" box with the room's QR code, and step 3 mid-way in English and
in Chinese (for the Chinese one, a CJK font: on Debian, fonts-wqy-zenhei).

From the checkout, where the media stays on loopback:
    unshare -n sh -c 'ip link set lo up && exec python -m docs.screenshots'
"""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.checks import expect_colour, expect_connected
from tests.harness.browsers import launch_options
from tests.harness.media import rgb_of, write_y4m
from tests.harness.server import running_server

HERE = Path(__file__).resolve().parent

VIEWPORT = {"width": 1280, "height": 860}


def open_pair(server, browsers, path):
    pages = []
    for browser in browsers:
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{server}{path}")
        page.wait_for_selector("#socket-state[data-state=connected]")
        pages.append(page)
    return pages


def main():
    folder = Path(tempfile.mkdtemp())
    videos = [write_y4m(folder / f"{c}.y4m", c) for c in ("red", "blue")]
    with running_server() as server, sync_playwright() as playwright:
        browsers = [playwright.chromium.launch(**launch_options(playwright.chromium, video)) for video in videos]

        red, _ = open_pair(server, browsers, "/call?room=screenshot-call")
        expect_connected(red)
        expect_colour(red, "remote-video", rgb_of("blue"))
        red.screenshot(path=HERE / "call.png")
        red.locator("#call-stats canvas").scroll_into_view_if_needed()
        red.wait_for_timeout(4000)  # a few seconds of the chart
        red.locator("#call-stats").screenshot(path=HERE / "call-statistics.png")
        red.locator("#room-qr svg").wait_for()
        red.locator("section.phone").screenshot(path=HERE / "join-from-a-phone.png")

        red, _ = open_pair(server, browsers, "/steps/3?room=screenshot-step")
        red.wait_for_selector('#message-log [data-type="candidate"]')
        red.evaluate("window.scrollTo(0, 0)")
        red.screenshot(path=HERE / "step-3.png")

        red, _ = open_pair(server, browsers, "/lang/zh?next=/steps/3%3Froom%3Dscreenshot-zh")
        red.wait_for_selector('#message-log [data-type="candidate"]')
        red.evaluate("window.scrollTo(0, 0)")
        red.screenshot(path=HERE / "step-3.zh.png")

        for browser in browsers:
            browser.close()
    names = ("call.png", "call-statistics.png", "join-from-a-phone.png", "step-3.png", "step-3.zh.png")
    print("wrote", ", ".join(str(HERE / name) for name in names))


if __name__ == "__main__":
    main()
