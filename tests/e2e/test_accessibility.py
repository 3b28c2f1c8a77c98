"""Every page, in every language, before and during a call: an axe-core audit
finds nothing serious or critical, and every control works from the keyboard,
shows where the focus is, and has a name.

axe-core is a test-only npm package (tests/package.json), installed by
`python tests/run.py --install`; its script is added to each page by Playwright
(the page's own CSP is bypassed for that), never served by the app.
"""

import os
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


def audit(page):
    """axe-core's serious and critical violations on this page, as readable lines."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
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


def expect_clean_audit(page):
    found = audit(page)
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
    """The live part has run far enough to show its first state."""
    expect(page.locator("#socket-state")).to_have_text("connected", timeout=TIMEOUT)


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
        expect_clean_audit(page)


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
        expect_clean_audit(page)


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
