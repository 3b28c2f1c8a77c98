"""Every page, in every language, before and during a call: an axe-core audit
finds nothing serious or critical, and every control works from the keyboard,
shows where the focus is, and has a name.

axe-core is a test-only npm package (tests/package.json), installed by
`python tests/run.py --install`; its script is added to each page by Playwright
(the page's own CSP is bypassed for that), never served by the app.
"""

import os
import re
import shutil
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from pages.content import Tutorial
from tests.harness.server import ROOT, running_server

from .checks import TIMEOUT, expect_connected
from .conftest import EXPECTED_ERRORS

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
TUTORIAL = Tutorial(ROOT / "steps")
LANGUAGES = TUTORIAL.languages
# Read from the content, so a step added later is audited too.
STEPS = [step.number for step in TUTORIAL.steps]
LAST_STEP = STEPS[-1]
# The first step whose page connects a call (offer and answer).
CALL_STEPS = [n for n in STEPS if n >= 4]
BLOCKING = ("serious", "critical")
SHOWN_NODES = 4  # per violation, in the report
# The highlighted code listings: text the server renders and no script changes.
# A page's audit before its call covers them; its audits during the call leave
# out their ~2,000 coloured spans, which only repeated that audit's findings and
# made each of them slower with a call running (step 6: 2.1-6.8 s with them,
# 0.7-3.0 s without, measured side by side).
LISTINGS = [".code pre", ".codehilite pre"]


@pytest.fixture(scope="session")
def axe_path():
    if not AXE.exists():
        message = f"{AXE} is missing: run `python tests/run.py --install` (npm ci in tests/)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE


@pytest.fixture
def open_audited(new_context, axe_path, request):
    """open_audited(browser, url) -> a page whose CSP lets the test add axe-core.
    Console errors fail the test, except those matching open_audited.expected_errors."""

    def opener(browser, url, **context):
        page = new_context(browser=browser, bypass_csp=True, **context).new_page()
        page.goto(url)
        return page

    opener.expected_errors = request.node.stash[EXPECTED_ERRORS]
    return opener


def in_language(server, language, path):
    return f"{server}/lang/{language}?next={quote(path)}"


def audit(page, exclude=()):
    """axe-core's serious and critical violations on this page (but for what
    the selectors in exclude match), as readable lines."""
    add_axe(page)
    render_everything(page)
    result = page.evaluate(
        "(exclude) => axe.run({ exclude }, { resultTypes: ['violations'] })", list(exclude)
    )
    lines = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} - {violation['helpUrl']}")
        nodes = violation["nodes"]
        for node in nodes[:SHOWN_NODES]:
            lines.append(f"    {' > '.join(map(str, node['target']))}")
            lines.append(f"      {' '.join(node.get('failureSummary', '').split())[:300]}")
        if len(nodes) > SHOWN_NODES:
            lines.append(f"    ... and {len(nodes) - SHOWN_NODES} more elements")
    return lines


def render_everything(page):
    """Sections with `content-visibility: auto` (the call page's walkthrough) are
    not rendered until they near the screen, and axe-core cannot work out the
    contrast of text that is not: it calls it "incomplete", not a violation. Render
    them all, as scrolling to each one does for a reader."""
    page.add_style_tag(content="* { content-visibility: visible !important; }")


def expect_clean_audit(page, exclude=()):
    found = audit(page, exclude)
    language = page.locator("html").get_attribute("lang")
    assert not found, f"axe-core on {page.url} (lang={language}):\n" + "\n".join(found)


def show_inspector(page):
    """Open what the inspector keeps closed: both SDP panels and a message's payload."""
    for panel in page.locator(".sdp-panels details").all():
        panel.evaluate("(details) => { details.open = true; }")
    first_message = page.locator("#message-log details").first
    first_message.evaluate("(details) => { details.open = true; }")
    expect(page.locator("#message-log details pre").first).to_be_visible()
    expect(page.locator("#sdp-sent")).to_have_attribute("open", "")


def started(page):
    """The live part has run far enough to show its first state: connected, and the
    answer to its join drawn in the message log (a control of its own, which came
    after the Tab walk had passed the log when only the connection was waited for)."""
    expect(page.locator("#socket-state")).to_have_text("connected", timeout=TIMEOUT)
    expect(page.locator('#message-log [data-direction="ack"][data-event="join"]')).to_have_count(1, timeout=TIMEOUT)


# ---- The audit ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_overview_passes_the_audit(server, browser, open_audited, language):
    page = open_audited(browser, in_language(server, language, "/"))
    expect_clean_audit(page)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", STEPS)
def test_a_step_page_passes_the_audit_before_and_during_a_call(
    server, red_browser, blue_browser, open_audited, room, step, language
):
    path = f"/steps/{step}?room={room}"
    first = open_audited(red_browser, in_language(server, language, path))
    started(first)
    first.locator(".diff summary").click()
    expect_clean_audit(first)
    second = open_audited(blue_browser, in_language(server, language, path))
    expect(first.locator('#message-log [data-event="peer-joined"]')).to_have_count(1, timeout=TIMEOUT)
    if step in CALL_STEPS:
        expect_connected(first)
        expect_connected(second)
    for page in (first, second):
        show_inspector(page)
        expect_clean_audit(page, exclude=LISTINGS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_call_page_passes_the_audit_before_and_during_a_call(
    server, red_browser, blue_browser, open_audited, room, language
):
    path = f"/call?room={room}"
    first = open_audited(red_browser, in_language(server, language, path))
    started(first)
    expect_clean_audit(first)
    second = open_audited(blue_browser, in_language(server, language, path))
    for page in (first, second):
        expect_connected(page)
        expect(page.locator("#call-stats")).to_have_attribute("data-state", "live", timeout=TIMEOUT)
        show_inspector(page)
        expect_clean_audit(page, exclude=LISTINGS)


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", [f"/steps/{LAST_STEP}", "/call"])
def test_a_live_page_on_a_phone_passes_the_audit_during_a_call(
    server, red_browser, blue_browser, open_audited, room, path, language
):
    """One column, narrow code panels that scroll sideways, wrapped controls."""
    url = in_language(server, language, f"{path}?room={room}")
    first = open_audited(red_browser, url, viewport=PHONE)
    second = open_audited(blue_browser, url, viewport=PHONE)
    for page in (first, second):
        expect_connected(page)
    show_inspector(first)
    expect_clean_audit(first)


@pytest.fixture(scope="module")
def file_friendly_server():
    """A server that lets a downloaded step, opened from disk (Origin: null), connect."""
    with running_server("eventlet", ["--allow-origin", "null"]) as url:
        yield url


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_downloaded_step_passes_the_audit(file_friendly_server, browser, open_audited, room, language, tmp_path):
    step_page = open_audited(browser, in_language(file_friendly_server, language, f"/steps/{LAST_STEP}?room={room}"))
    with step_page.expect_download() as event:
        step_page.click("#download-step")
    path = tmp_path / event.value.suggested_filename
    event.value.save_as(path)
    on_disk = open_audited(browser, path.as_uri())
    expect(on_disk.locator("html")).to_have_attribute("lang", language)
    expect(on_disk.locator("#local-video")).to_have_js_property("readyState", 4, timeout=TIMEOUT)
    expect_clean_audit(on_disk)


@pytest.fixture(scope="module")
def broken_server(tmp_path_factory):
    """A server whose copy of steps/lesson.js gets an unclosed block once it runs
    (it refuses to start with one): every page is then the content error page."""
    steps = tmp_path_factory.mktemp("broken") / "steps"
    shutil.copytree(ROOT / "steps", steps)
    with running_server("eventlet", ["--steps-dir", str(steps)]) as url:
        lesson = steps / "lesson.js"
        text = lesson.read_text(encoding="utf-8")
        assert UNCLOSED[0] in text
        lesson.write_text(text.replace(*UNCLOSED, 1), encoding="utf-8")
        yield url


UNCLOSED = ("// [/step]\n// [step 4+]", "// [step 4+]")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_content_error_page_passes_the_audit(broken_server, browser, open_audited, language):
    open_audited.expected_errors.append(r"status of 500")  # the page says so, in its HTTP status too
    # The language switch itself is broken with the content: the browser's language chooses.
    page = open_audited(browser, f"{broken_server}/", extra_http_headers={"Accept-Language": language})
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#content-problem")).to_be_visible()
    expect_clean_audit(page)


# ---- The keyboard ------------------------------------------------------------

# What a user can operate: the controls that must be reached with Tab and be named.
CONTROLS = "a[href], button, input, select, textarea, summary, [tabindex]"

# The element Tab just focused, marked with its place in the Tab order, and how
# its focus shows: the outline (or box-shadow) drawn while it has the keyboard's
# focus, and the colour behind it. null when the focus left the page's content.
FOCUSED = r"""(index) => {
  const element = document.activeElement;
  if (!element || element === document.body || element === document.documentElement) return null;
  if (element.dataset.tabStop !== undefined) return { again: true };
  element.dataset.tabStop = String(index);
  const style = getComputedStyle(element);
  let behind = element.parentElement;
  while (behind && /^(transparent|rgba\(.*, 0\))$/.test(getComputedStyle(behind).backgroundColor)) {
    behind = behind.parentElement;
  }
  return {
    what: `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''} ` +
      `"${element.textContent.trim().slice(0, 40)}"`
      .replace(/\s+/g, ' '),
    focusVisible: element.matches(':focus-visible'),
    outlineStyle: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    outlineColor: style.outlineColor,
    boxShadow: style.boxShadow,
    behind: behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)',
  };
}"""

# Every control a user could reach that no Tab press reached.
UNREACHED = f"""() => [...document.querySelectorAll({CONTROLS!r})]
  .filter((element) => element.tabIndex >= 0 && !element.matches(':disabled') && !element.closest('[inert]'))
  .filter((element) => element.tagName !== 'SUMMARY' || element.parentElement.firstElementChild === element)
  .filter((element) => element.checkVisibility({{ visibilityProperty: true }}))
  .filter((element) => element.dataset.tabStop === undefined)
  .map((element) => element.outerHTML.slice(0, 120))"""

# The accessible name of each control Tab reached (axe-core computes it), for
# those that are controls rather than scrollable panels; with whether it is code.
NAMES = """() => {
  axe.setup(document);
  try {
    return [...document.querySelectorAll('[data-tab-stop]')]
      .filter((element) => element.matches('a, button, input, select, textarea, summary'))
      .map((element) => ({
        what: element.outerHTML.slice(0, 120),
        name: axe.commons.text.accessibleText(element).trim(),
        code: Boolean(element.closest('pre, code, .sequence, .sdp, [translate="no"]')),
      }));
  } finally {
    axe.teardown();
  }
}"""

# Three or more English words, two of them not capitalised: prose (as in test_languages).
ENGLISH_PROSE = re.compile(r"[A-Za-z'’-]+(?:[ ,.:;!?…]+[A-Za-z'’-]+){2,}")


def contrast(first, second):
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha ignored)."""

    def luminance(colour):
        channels = [int(float(x)) / 255 for x in re.findall(r"[\d.]+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focus_problem(stop):
    """Why this focused control's focus would be hard to see, or None.
    Visible: an outline at least 2px wide, or a box-shadow, in a colour of 3:1
    against what is behind it (WCAG 2.4.13's thickness, 1.4.11's contrast)."""
    if not stop["focusVisible"]:
        return "does not match :focus-visible after Tab"
    if stop["outlineStyle"] != "none" and stop["outlineWidth"] >= 2:
        ratio = contrast(stop["outlineColor"], stop["behind"])
        return None if ratio >= 3 else f"outline {stop['outlineColor']} on {stop['behind']}: contrast {ratio:.2f}"
    if stop["boxShadow"] != "none":
        return None
    return f"no visible focus: outline {stop['outlineStyle']} {stop['outlineWidth']}px, box-shadow none"


def tab_through(page, limit=600):
    """Press Tab until the focus comes back round to a control it already
    reached (past the end of the page, it leaves for the browser a moment);
    return what each press focused."""
    add_axe(page)
    stops = []
    outside = 0
    for index in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED, index)
        if stop is None:
            outside += 1
            assert outside < 3, "Tab left the page and never came back"
            continue
        if stop.get("again"):
            return stops
        outside = 0
        stops.append(stop)
    raise AssertionError(f"Tab never came back round after {limit} presses")


def expect_keyboard_friendly(page, language):
    stops = tab_through(page)
    assert stops, "Tab reached nothing"
    unreached = page.evaluate(UNREACHED)
    assert unreached == [], f"controls that Tab never reached on {page.url}:\n" + "\n".join(unreached)
    hidden_focus = [f"{stop['what']}: {problem}" for stop in stops if (problem := focus_problem(stop))]
    assert hidden_focus == [], f"focus hard to see on {page.url}:\n" + "\n".join(hidden_focus)
    names = page.evaluate(NAMES)
    unnamed = [name["what"] for name in names if not name["name"]]
    assert unnamed == [], f"controls without a name on {page.url}:\n" + "\n".join(unnamed)
    if language != "en":
        english = [f"{name['name']!r}: {name['what']}" for name in names
                   if not name["code"] and any(len(re.findall(r"\b[a-z]", run)) >= 2
                                               for run in ENGLISH_PROSE.findall(name["name"]))]
        assert english == [], f"controls named in English on a {language} page:\n" + "\n".join(english)


def add_axe(page):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_control_of_the_overview_is_reached_seen_and_named(server, browser, open_audited, language):
    page = open_audited(browser, in_language(server, language, "/"))
    expect_keyboard_friendly(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("step", STEPS)
def test_every_control_of_a_step_page_is_reached_seen_and_named(server, browser, open_audited, room, step, language):
    page = open_audited(browser, in_language(server, language, f"/steps/{step}?room={room}"))
    started(page)
    page.locator(".diff summary").click()  # its code panel and copy button too
    expect_keyboard_friendly(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", [f"/steps/{LAST_STEP}", "/call"])
def test_every_control_is_reached_seen_and_named_during_a_call(
    server, red_browser, blue_browser, open_audited, room, path, language
):
    url = in_language(server, language, f"{path}?room={room}")
    first = open_audited(red_browser, url)
    started(first)
    second = open_audited(blue_browser, url)
    for page in (first, second):
        expect_connected(page)
        show_inspector(page)
    expect_keyboard_friendly(first, language)


# ---- The main actions, from the keyboard -------------------------------------


def press_on(locator, key):
    locator.focus()
    expect(locator).to_be_focused()
    locator.page.keyboard.press(key)


def test_a_step_page_works_from_the_keyboard(server, browser, new_context, room):
    """Open the second tab, read a payload and an SDP, copy the code, switch language:
    Enter and Space only."""
    # Granting the clipboard alone left ICE gathering without a single candidate
    # (seen here: the call never connected); the camera's and microphone's too, and it does.
    context = new_context(browser=browser, permissions=["clipboard-read", "clipboard-write", "camera", "microphone"])
    first = context.new_page()
    first.goto(in_language(server, "en", f"/steps/{LAST_STEP}?room={room}"))
    started(first)
    with first.expect_popup() as popup:
        press_on(first.locator("#second-tab"), "Enter")
    expect(popup.value).to_have_url(first.url)  # the same step, in the same room
    expect_connected(popup.value)
    expect_connected(first)
    # A message's payload, in the sequence diagram.
    offer = first.locator('#message-log [data-event="signal"][data-type="offer"] summary')
    press_on(offer, "Enter")
    expect(first.locator('#message-log [data-type="offer"] pre')).to_contain_text('"type": "offer"')
    press_on(offer, "Space")
    expect(first.locator('#message-log [data-type="offer"] pre')).to_be_hidden()
    # The SDP panel.
    press_on(first.locator("#sdp-sent summary"), "Space")
    expect(first.locator("#sdp-sent .sdp li").first).to_have_text("v=0")
    # The listing's copy button.
    press_on(first.locator(".code-section > .copy-bar .copy-code").first, "Space")
    expect(first.locator(".code-section > .copy-bar .copy-said").first).to_have_text("Copied")
    assert first.evaluate("navigator.clipboard.readText()") == TUTORIAL.lesson.code(LAST_STEP)
    # The language switch keeps the page and its room.
    press_on(first.locator('.languages a[hreflang="zh"]'), "Enter")
    expect(first.locator("html")).to_have_attribute("lang", "zh")
    expect(first).to_have_url(re.compile(rf"/steps/{LAST_STEP}\?room={room}$"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_call_works_from_the_keyboard(server, red_browser, blue_browser, open_page, room, language):
    """Mute, camera off, hang up and join again with Space and Enter; the focus
    stays on the buttons, whose names say what pressing them does."""
    say = TUTORIAL.ui(language)
    url = in_language(server, language, f"/call?room={room}")
    first = open_page(red_browser, url)
    second = open_page(blue_browser, url)
    expect_connected(first)
    expect_connected(second)
    mic, camera = first.locator("#toggle-mic"), first.locator("#toggle-camera")
    press_on(mic, "Space")
    expect(mic).to_have_accessible_name(say["unmute"])
    press_on(camera, "Enter")
    expect(camera).to_have_accessible_name(say["camera_on"])
    assert first.evaluate("window.pc.getSenders().map((s) => s.track.enabled)") == [False, False]
    # Its name says the state; a toggle's "pressed" would contradict it ("Unmute, pressed").
    for button in (mic, camera):
        expect(button).not_to_have_attribute("aria-pressed", re.compile(".*"))
    press_on(mic, "Enter")
    expect(mic).to_have_accessible_name(say["mute"])
    # Hang up: the focus goes on to "Join again", and from there back to "Hang up".
    press_on(first.locator("#hang-up"), "Enter")
    expect(first.locator("#status")).to_have_attribute("data-state", "hung_up")
    expect(first.locator("#rejoin")).to_be_focused()
    first.keyboard.press("Enter")
    expect(first.locator("#hang-up")).to_be_enabled()
    expect(first.locator("#hang-up")).to_be_focused()
    expect_connected(first)
