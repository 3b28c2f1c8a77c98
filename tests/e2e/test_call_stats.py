"""The call page's statistics panel, read off the page as a person reads it, in a
real call between the red and the blue browsers, in English and in Chinese."""

import re
import time
import tomllib
from pathlib import Path

from playwright.sync_api import expect

from tests.harness.media import HEIGHT, WIDTH

from .checks import TIMEOUT, expect_connected, expect_in_call
from .test_call import start_call
from .test_languages import expect_no_english_prose, in_chinese

UI = Path(__file__).resolve().parents[2] / "steps"
FIELDS = ["local", "remote", "protocol", "video_sent", "video_received", "bitrate_sent", "bitrate_received", "rtt",
          "loss"]

# Each figure as the panel writes it; a figure that does not match is not shown yet.
PATTERNS = {
    "local": r"host 127\.0\.0\.1:\d+",
    "remote": r"host 127\.0\.0\.1:\d+",
    "protocol": r"udp",
    "video_sent": r"(?P<width>\d+) × (?P<height>\d+), (?P<fps>\d+) fps",
    "video_received": r"(?P<width>\d+) × (?P<height>\d+), (?P<fps>\d+) fps",
    "bitrate_sent": r"(?P<kbits>[\d.]+) kbit/s · (?P<kB>\d+) kB",
    "bitrate_received": r"(?P<kbits>[\d.]+) kbit/s · (?P<kB>\d+) kB",
    "rtt": r"(?P<ms>\d+\.\d) ms",
    "loss": r"(?P<percent>\d+\.\d) % \((?P<lost>\d+) / (?P<packets>\d+)\)",
}

# The label and the figure of each row, as shown.
PANEL = """() => Object.fromEntries([...document.querySelectorAll('#call-stats .stats div')].map((row) => [
  row.querySelector('dd').dataset.stat,
  { label: row.querySelector('dt').innerText, value: row.querySelector('dd').innerText },
]))"""

# Pixels of the chart's plot (below its legend) close to a colour of the page.
PIXELS_OF = """(property) => {
  const canvas = document.getElementById('stats-chart');
  const probe = document.createElement('span');
  probe.style.color = `var(${property})`;
  canvas.parentElement.append(probe);
  const want = getComputedStyle(probe).color.match(/\\d+/g).map(Number);
  probe.remove();
  const { data } = canvas.getContext('2d').getImageData(0, 24, canvas.width, canvas.height - 24);
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 200 && want.every((value, c) => Math.abs(data[i + c] - value) <= 30)) count += 1;
  }
  return count;
}"""


def strings(lang):
    return tomllib.loads((UI / f"ui.{lang}.toml").read_text())["call_stats"]


def read_panel(page):
    """{field: the match of its figure, or None}, and the labels."""
    rows = page.evaluate(PANEL)
    assert list(rows) == FIELDS
    figures = {name: re.fullmatch(PATTERNS[name], rows[name]["value"].strip()) for name in FIELDS}
    return figures, {name: rows[name]["label"] for name in FIELDS}


def wait_for_figures(page, ready, timeout=TIMEOUT):
    """Read the panel until ready(figures) holds; the figures then."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        figures, _ = read_panel(page)
        if all(figures.values()) and ready(figures):
            return figures
        if time.monotonic() > deadline:
            raise AssertionError(f"the panel shows {page.evaluate(PANEL)}")
        page.wait_for_timeout(200)


def showing_the_call(figures):
    """The camera's size and a frame rate both ways, and media flowing both ways."""
    return all(
        (int(figures[side]["width"]), int(figures[side]["height"])) == (WIDTH, HEIGHT) and int(figures[side]["fps"]) > 0
        for side in ("video_sent", "video_received")
    ) and all(float(figures[side]["kbits"]) > 0 for side in ("bitrate_sent", "bitrate_received"))


def expect_live_panel(page, lang="en"):
    """Everything the issue asks for, as the panel shows it during the call."""
    expect(page.locator("#call-stats [data-stats-state]")).to_have_text(strings(lang)["live"])
    first = wait_for_figures(page, showing_the_call)
    # The figures keep coming: the totals grow while the bitrates stay above zero.
    later = wait_for_figures(page, lambda f: showing_the_call(f) and all(
        int(f[side]["kB"]) > int(first[side]["kB"]) for side in ("bitrate_sent", "bitrate_received")))
    assert float(later["rtt"]["ms"]) >= 0
    assert int(later["loss"]["packets"]) > 0
    # The chart drew both lines in the plot (the legend, above it, is left out).
    deadline = time.monotonic() + TIMEOUT / 1000
    while min(page.evaluate(PIXELS_OF, "--accent"), page.evaluate(PIXELS_OF, "--good")) < 10:
        assert time.monotonic() < deadline, "the chart has no line for the bitrate out and in"
        page.wait_for_timeout(200)
    # Its text alternative says the latest bitrates, in the page's language.
    label = page.locator("#stats-chart").get_attribute("aria-label")
    template = re.escape(strings(lang)["chart_label"])
    pattern = template.replace(re.escape("{sent}"), r"[\d.]+ kbit/s").replace(re.escape("{received}"), r"[\d.]+ kbit/s")
    assert re.fullmatch(pattern, label), label


def expect_idle_panel(page, lang="en"):
    expect(page.locator("#call-stats [data-stats-state]")).to_have_text(strings(lang)["idle"])
    expect(page.locator("#call-stats dd")).to_have_text(["–"] * len(FIELDS))
    expect(page.locator("#stats-chart")).to_have_attribute("aria-label", strings(lang)["chart_empty"])


def test_each_side_shows_the_calls_statistics(server, red_browser, blue_browser, open_page, room):
    red, blue = start_call(open_page, server, room, red_browser, blue_browser)
    expect_in_call(red, blue)
    for page in (red, blue):
        expect_live_panel(page)
        _, labels = read_panel(page)
        assert labels == {name: strings("en")[name] for name in FIELDS}


def test_the_panel_waits_for_a_call_and_goes_idle_after_hang_up(server, red_browser, blue_browser, open_page, room):
    red = open_page(red_browser, f"{server}/call?room={room}")
    expect(red.locator("#status")).to_contain_text("Waiting for someone")
    expect_idle_panel(red)

    blue = open_page(blue_browser, f"{server}/call?room={room}")
    expect_connected(red)
    expect_connected(blue)
    for page in (red, blue):
        wait_for_figures(page, showing_the_call)

    blue.click("#hang-up")
    for page in (red, blue):
        expect_idle_panel(page)
    # It stays idle: nothing is read from the connections that ended.
    red.wait_for_timeout(2500)
    for page in (red, blue):
        expect_idle_panel(page)
        assert page.evaluate(PIXELS_OF, "--accent") == page.evaluate(PIXELS_OF, "--good") == 0

    # The next call, on new connections, is shown again.
    blue.click("#rejoin")
    expect_in_call(red, blue)
    for page in (red, blue):
        expect_live_panel(page)


def test_the_chinese_call_page_shows_the_statistics_in_chinese(server, red_browser, blue_browser, open_page, room):
    red = open_page(red_browser, in_chinese(server, f"/call?room={room}"))
    blue = open_page(blue_browser, in_chinese(server, f"/call?room={room}"))
    expect_in_call(red, blue)
    for page in (red, blue):
        expect_live_panel(page, "zh")
        _, labels = read_panel(page)
        assert labels == {name: strings("zh")[name] for name in FIELDS}
        assert labels != {name: strings("en")[name] for name in FIELDS}
        expect(page.locator("#stats-title")).to_have_text(strings("zh")["title"])
        expect_no_english_prose(page)


BITS_PER_SECOND = """async () => {
  const { bitsPerSecond } = await import('/static/js/call_stats.js');
  return [
    bitsPerSecond({ bytes: 1000, timestamp: 5000 }, { bytes: 126000, timestamp: 6000 }),
    bitsPerSecond({ bytes: 0, timestamp: 0 }, { bytes: 500, timestamp: 250 }),
    bitsPerSecond(undefined, { bytes: 500, timestamp: 250 }),
    bitsPerSecond({ bytes: 500, timestamp: 250 }, { bytes: 900, timestamp: 250 }),
    bitsPerSecond({ bytes: 900, timestamp: 250 }, { bytes: 100, timestamp: 1250 }),
  ];
}"""


def test_the_rate_comes_from_the_change_in_bytes_over_time(server, page):
    page.goto(f"{server}/")
    assert page.evaluate(BITS_PER_SECOND) == [1_000_000, 16_000, None, None, None]
