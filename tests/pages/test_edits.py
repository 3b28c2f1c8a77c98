"""A learner edits steps/ while the server runs: a reload shows the edit, a broken
edit gets a page that names the problem, and nothing is made again without one."""

import os
import shutil
from pathlib import Path

import pytest

import pages
from app import create_app

STEPS_DIR = Path(__file__).resolve().parents[2] / "steps"


@pytest.fixture
def steps(tmp_path):
    copy = tmp_path / "steps"
    shutil.copytree(STEPS_DIR, copy)
    return copy


@pytest.fixture
def app(steps):
    return create_app({"ASYNC_MODE": "threading", "STEPS_DIR": steps})


@pytest.fixture
def client(app):
    return app.test_client()


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    bump(path)


def bump(path):
    """A later modification time, as an editor's save gives (even within one clock tick)."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000))


def test_an_edit_of_the_lesson_shows_on_the_next_request_with_a_new_etag(client, steps):
    before = client.get("/steps/3/lesson.js")
    assert "const earlyCandidates = [];" in before.text
    assert before.headers["Cache-Control"] == "no-cache"  # the browser asks every time
    assert client.get("/steps/3/lesson.js", headers={"If-None-Match": before.headers["ETag"]}).status_code == 304
    edit(steps / "lesson.js", "const earlyCandidates = [];", "const earlyCandidates = []; // edited")
    after = client.get("/steps/3/lesson.js", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "const earlyCandidates = []; // edited" in after.text
    page = client.get("/steps/3?room=edited").text
    assert "// edited" in page  # the listing shows it too


def test_the_text_of_a_step_is_read_again_after_an_edit(client, steps):
    assert "Asking for the camera, edited" not in client.get("/steps/2?room=r", headers={"Accept-Language": "en"}).text
    edit(steps / "2-camera" / "en.md", "## Asking for the camera", "## Asking for the camera, edited")
    assert "Asking for the camera, edited" in client.get("/steps/2?room=r", headers={"Accept-Language": "en"}).text


def test_nothing_is_loaded_again_without_an_edit(app, client, steps):
    live = app.extensions["tutorial"]
    for _ in range(3):
        client.get("/steps/1?room=r")
        client.get("/steps/1/lesson.js")
    assert live.loads == 1
    (steps / ".lesson.js.swp").write_text("an editor's swap file", encoding="utf-8")
    client.get("/steps/1?room=r")
    assert live.loads == 1
    bump(steps / "lesson.js")
    client.get("/steps/1?room=r")
    client.get("/steps/1?room=r")
    assert live.loads == 2


@pytest.mark.parametrize("path", ["/steps/3?room=r", "/steps/3/lesson.js", "/"])
def test_a_broken_edit_gets_a_page_that_names_the_file_and_the_line(client, steps, path):
    lesson = steps / "lesson.js"
    edit(lesson, "// [/step]\n// [step 4+]", "// [step 4+]")  # an unclosed block
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "A file of the tutorial has a mistake" in response.text
    assert "steps/lesson.js, line" in response.text and "blocks do not nest" in response.text
    assert "Traceback" not in response.text
    # The fix is picked up at once.
    edit(lesson, "// [step 4+]", "// [/step]\n// [step 4+]")
    assert client.get(path).status_code == 200


def test_the_error_page_is_in_the_readers_language(client, steps):
    edit(steps / "3-offer" / "step.toml", 'title = "The offer', 'title = The offer')
    response = client.get("/steps/1?room=r", headers={"Accept-Language": "zh"})
    assert response.status_code == 500
    assert "教程的某个文件有错误" in response.text
    assert "3-offer/step.toml" in response.text


@pytest.mark.parametrize("demo", ['["chat", "whiteboard"]', '"chat"', '[["chat"]]'])
def test_a_demo_part_that_does_not_exist_names_the_step_toml_and_the_parts_there_are(client, steps, demo):
    edit(steps / "6-datachannel" / "step.toml", 'demo = ["chat"]', f"demo = {demo}")
    response = client.get("/steps/6?room=r", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "6-datachannel/step.toml: demo is a list of parts of the live demo, among: chat" in response.text
    edit(steps / "6-datachannel" / "step.toml", f"demo = {demo}", 'demo = ["chat"]')
    assert 'id="chat-form"' in client.get("/steps/6?room=r").text


def test_the_steps_dir_setting_reaches_the_app(steps):
    import app as app_module

    config = app_module.app_config(app_module.parse_args(["--steps-dir", str(steps)], environ={}))
    assert config["STEPS_DIR"] == str(steps)
    assert "STEPS_DIR" not in app_module.app_config(app_module.parse_args([], environ={}))
    assert pages.tutorial(create_app({**config, "ASYNC_MODE": "threading"})).root == steps
