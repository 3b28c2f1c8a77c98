"""Take the README's screenshots from the real app: a call, and step 3 mid-way.

    unshare -n sh -c 'ip link set lo up && exec python docs/screenshots.py'
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from e2e.browsers import launch  # noqa: E402
from e2e.checks import expect_colour, expect_connected  # noqa: E402
from e2e.media import rgb_of, write_y4m  # noqa: E402
from e2e.server import running_server  # noqa: E402

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
        browsers = [launch(playwright, video) for video in videos]

        red, _ = open_pair(server, browsers, "/call?room=screenshot-call")
        expect_connected(red)
        expect_colour(red, "remote-video", rgb_of("blue"))
        red.screenshot(path=HERE / "call.png")

        red, _ = open_pair(server, browsers, "/steps/3?room=screenshot-step")
        red.wait_for_selector('#message-log [data-type="candidate"]')
        red.evaluate("window.scrollTo(0, 0)")
        red.screenshot(path=HERE / "step-3.png")

        for browser in browsers:
            browser.close()
    print("wrote", HERE / "call.png", "and", HERE / "step-3.png")


if __name__ == "__main__":
    main()
