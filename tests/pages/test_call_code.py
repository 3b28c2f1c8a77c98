"""The call page shows each addition beside its code: the lines of the file the
browser runs, between `// [call: NAME]` and `// [/call]`, read when the page is
made, with their numbers in the file; a missing region is an error naming it."""

import html
import re
import shutil
from pathlib import Path

import pytest

from app import create_app
from pages.content import ContentError

from .test_edits import bump, edit

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["en", "zh"]
PANEL = re.compile(r'<figure class="code-ref" data-file="([^"]+)" data-region="([^"]*)"\s+'
                   r'data-first="(\d+)" data-last="(\d+)">(.*?)</figure>', re.S)


def shown_panels(page):
    """Each code panel of the page: file, region, caption numbers, the line
    numbers it shows, its code as text, and where its 'whole file' link goes."""
    panels = []
    for file, region, first, last, body in PANEL.findall(page):
        pre = re.search(r"<pre>(.*)</pre>", body, re.S)[1]
        numbers = [int(n) for n in re.findall(r'<span class="linenos">\s*(\d+)</span>', pre)]
        code = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="linenos">[^<]*</span>', "", pre)))
        link = re.search(r'<a href="([^"]+)">', body)[1]
        caption = html.unescape(re.sub(r"<[^>]+>", "", re.search(r"<figcaption>(.*?)</figcaption>", body, re.S)[1]))
        panels.append({"file": file, "region": region or None, "first": int(first), "last": int(last),
                       "numbers": numbers, "code": code, "link": link, "caption": " ".join(caption.split())})
    return panels


def between_markers(text, region):
    """The lines of a file's text inside a region (the whole file for None),
    with the first one's number: found here without the app's parser."""
    lines = text.splitlines(keepends=True)
    if region is None:
        return 1, "".join(lines)
    start = next(n for n, line in enumerate(lines) if line.strip() == f"// [call: {region}]")
    end = next(n for n in range(start, len(lines)) if lines[n].strip() == "// [/call]")
    return start + 2, "".join(lines[start + 1:end])


def references(language, steps=ROOT / "steps"):
    """The code that call.LANG.md names, in order."""
    text = (steps / f"call.{language}.md").read_text(encoding="utf-8")
    return [(file, region or None) for file, region in re.findall(r"^\[code: ([\w-]+\.js)(?:#([a-z-]+))?\]$", text,
                                                                  re.M)]


def call_page(client, language):
    response = client.get("/call?room=code", headers={"Accept-Language": language})
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_section_shows_the_lines_between_its_markers_in_the_served_file(client, language):
    panels = shown_panels(call_page(client, language))
    assert [(p["file"], p["region"]) for p in panels] == references(language)
    assert len(panels) >= 10
    for panel in panels:
        served = client.get(panel["link"])  # the file the browser runs, by the panel's own link
        assert served.status_code == 200 and panel["link"] == f"/static/js/{panel['file']}"
        first, code = between_markers(served.text, panel["region"])
        assert panel["code"] == code, panel["region"]
        last = first + len(code.splitlines()) - 1
        assert (panel["first"], panel["last"]) == (first, last)
        assert panel["numbers"] == list(range(first, last + 1))  # every line, numbered as in the file
        assert f"{first}–{last}" in panel["caption"]


def test_both_languages_explain_the_same_code():
    assert references("zh") == references("en")
    assert ("call.js", "hang-up") in references("en")


def test_the_caption_is_in_the_pages_language(client):
    assert shown_panels(call_page(client, "en"))[0]["caption"].startswith("call.js, lines ")
    caption = shown_panels(call_page(client, "zh"))[0]["caption"]
    assert caption.startswith("call.js，第 ") and caption.endswith("完整文件")


# ---- A copy of static/ that a test edits -----------------------------------


@pytest.fixture
def static(tmp_path):
    return shutil.copytree(ROOT / "static", tmp_path / "static")


@pytest.fixture
def steps(tmp_path):
    return shutil.copytree(ROOT / "steps", tmp_path / "steps")


@pytest.fixture
def app_on_copies(static, steps):
    return create_app({"ASYNC_MODE": "threading", "STATIC_FOLDER": str(static), "STEPS_DIR": steps})


@pytest.fixture
def copy_client(app_on_copies):
    return app_on_copies.test_client()


def hang_up_panel(client):
    return next(p for p in shown_panels(call_page(client, "en")) if p["region"] == "hang-up")


def test_an_edit_of_call_js_shows_on_the_next_request_with_its_new_line_numbers(copy_client, static):
    before = hang_up_panel(copy_client)
    call_js = static / "js" / "call.js"
    edit(call_js, "function hangUp() {\n", "function hangUp() {\n  console.info('Hanging up');\n")
    edit(call_js, "const params = new", "// A line above every region: their numbers move down.\nconst params = new")
    after = hang_up_panel(copy_client)
    assert (after["first"], after["last"]) == (before["first"] + 1, before["last"] + 2)
    assert after["code"].splitlines()[1] == "  console.info('Hanging up');"
    served = copy_client.get("/static/js/call.js").text
    assert between_markers(served, "hang-up") == (after["first"], after["code"])


def unmark(path, region):
    """The file without the region's two marker lines, its code left in place."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"// [call: {region}]\n")
    end = lines.index("// [/call]\n", start)
    path.write_text("".join(lines[:start] + lines[start + 1:end] + lines[end + 1:]), encoding="utf-8")
    bump(path)


def test_a_missing_region_is_an_error_that_names_the_file_and_the_region(copy_client, static):
    call_js = static / "js" / "call.js"
    marked = call_js.read_text(encoding="utf-8")
    unmark(call_js, "hang-up")
    response = copy_client.get("/call?room=code")
    assert response.status_code == 500
    problem = html.unescape(response.text)
    assert "static/js/call.js has no region 'hang-up'" in problem
    assert "steps/call.en.md, line" in problem and "// [call: hang-up]" in problem
    # Put back, the page works again.
    call_js.write_text(marked, encoding="utf-8")
    bump(call_js)
    assert hang_up_panel(copy_client)["code"].startswith("function hangUp() {")


def test_a_server_does_not_start_with_a_reference_to_missing_code(static, steps):
    edit(steps / "call.zh.md", "[code: call.js#mute]", "[code: call.js#mute-button]")
    with pytest.raises(ContentError, match=r"steps/call\.zh\.md, line \d+: static/js/call\.js has no region "
                                           r"'mute-button'"):
        create_app({"ASYNC_MODE": "threading", "STATIC_FOLDER": str(static), "STEPS_DIR": steps})


@pytest.mark.parametrize(("old", "new", "message"), [
    ("// [/call]\n", "", r"static/js/call\.js, line \d+: regions do not nest; close 'private-room'"),
    ("// [call: rejoin]\n", "", r"static/js/call\.js, line \d+: // \[/call\] without an open"),
    ("// [call: rejoin]\n", "// [call: mute]\n", r"static/js/call\.js, line \d+: a second region named 'mute'"),
])
def test_broken_markers_are_errors_that_name_the_line(copy_client, static, old, new, message):
    edit(static / "js" / "call.js", old, new)
    response = copy_client.get("/call?room=code")
    assert response.status_code == 500
    assert re.search(message, html.unescape(response.text)), html.unescape(response.text)


@pytest.mark.parametrize(("reference", "message"), [
    ("[code: calls.js#hang-up]", r"steps/call\.en\.md, line \d+: static/js/calls\.js does not exist"),
    ("[code: ../app.py]", r"steps/call\.en\.md, line \d+: '\[code: \.\./app\.py\]' is not \[code: FILE\.js\]"),
])
def test_a_reference_to_another_file_is_an_error(copy_client, steps, reference, message):
    edit(steps / "call.en.md", "[code: call.js#hang-up]", reference)
    response = copy_client.get("/call?room=code")
    assert response.status_code == 500
    assert re.search(message, html.unescape(response.text)), html.unescape(response.text)


def test_nothing_is_read_again_without_an_edit_of_the_code(app_on_copies, copy_client, static):
    live = app_on_copies.extensions["tutorial"]
    for _ in range(3):
        call_page(copy_client, "en")
    assert live.loads == 1
    bump(static / "js" / "negotiation.js")
    call_page(copy_client, "en")
    assert live.loads == 2
