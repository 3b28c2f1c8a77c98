"""Every language but English translates what the pages show in English: the
lesson's status strings and the server's refusals, by code."""

import re
import shutil

import pytest

from pages.content import DEFAULT_LANGUAGE, Tutorial
from tests.harness.server import ROOT

TUTORIAL = Tutorial(ROOT / "steps")
OTHER_LANGUAGES = [code for code in TUTORIAL.languages if code != DEFAULT_LANGUAGE]


def lesson_status_strings():
    source = (ROOT / "steps" / "lesson.js").read_text()
    return set(re.findall(r"status\.textContent = '([^']+)'", source))


def documented_error_codes():
    """The codes in the README's table of error codes."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("Error codes:"):readme.index("Refusals of `join`")]
    return {code for row in table.splitlines() if row.startswith("| `") for code in
            re.findall(r"`([a-z-]+)`", row.split("|")[1])}


def test_the_lesson_and_the_readme_are_read():
    assert "Answered the offer." in lesson_status_strings()
    assert {"room-full", "too-large", "server-error"} <= documented_error_codes()


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_status_string_of_the_lesson_is_translated(language):
    translations = TUTORIAL.ui(language)["lesson_status"]
    assert lesson_status_strings() <= set(translations)
    assert all(translations[text] and translations[text] != text for text in lesson_status_strings())


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_refusal_is_translated_by_its_code(language):
    refusals = TUTORIAL.ui(language)["refusals"]
    assert documented_error_codes() <= set(refusals)


def test_a_missing_string_in_a_table_falls_back_to_english(tmp_path):
    steps = shutil.copytree(ROOT / "steps", tmp_path / "steps")
    chinese = steps / "ui.zh.toml"
    text = chinese.read_text(encoding="utf-8")
    assert 'joining = "正在加入房间…"\n' in text
    chinese.write_text(text.replace('joining = "正在加入房间…"\n', ""), encoding="utf-8")
    call_status = Tutorial(steps).ui("zh")["call_status"]
    assert call_status["joining"] == TUTORIAL.ui("en")["call_status"]["joining"]  # not an empty string
    assert call_status["waiting"] == TUTORIAL.ui("zh")["call_status"]["waiting"]  # the rest stays Chinese
