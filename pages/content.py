"""The tutorial's content: step folders, page texts and interface strings, per language.

    steps/
      lesson.js            the browser program, tagged by step (see lesson.py)
      1-connect/           one folder per step: NUMBER-SLUG
        step.toml          per language: title and a one-line summary
        en.md, zh.md       the step's explanation
      overview.en.md       the overview page
      call.en.md           "beyond the 50 lines", shown on the call page
      ui.en.toml           the interface's short strings

A language is available when its ui.LANG.toml exists; any missing text falls
back to English. Adding a translation is adding files.

The content does not change while the app runs, so each piece of HTML is made
once, on first use: Markdown and highlighting cost 10-30 ms a page, and pages
share a process with the signaling server.
"""

import functools
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .lesson import Lesson
from .rendering import diff_html, javascript_html, render_markdown

DEFAULT_LANGUAGE = "en"
STEP_FOLDER = re.compile(r"(\d+)-([a-z0-9-]+)")


def made_once(method):
    """Keep what the method returns for each set of arguments (strings and numbers)."""

    @functools.wraps(method)
    def once(self, *args):
        made = self.__dict__.setdefault("_made", {})
        key = (method.__name__, *args)
        if key not in made:
            made[key] = method(self, *args)
        return made[key]

    return once


@dataclass
class Step:
    number: int
    slug: str
    folder: Path
    meta: dict

    def title(self, language):
        return self._meta(language)["title"]

    def summary(self, language):
        return self._meta(language)["summary"]

    @made_once
    def explanation(self, language):
        path = self.folder / f"{language}.md"
        if not path.exists():
            path = self.folder / f"{DEFAULT_LANGUAGE}.md"
        return render_markdown(path.read_text(encoding="utf-8"))

    def _meta(self, language):
        return self.meta.get(language) or self.meta[DEFAULT_LANGUAGE]


class Tutorial:
    def __init__(self, root):
        self.root = Path(root)
        self.steps = self._load_steps()
        self.lesson = Lesson.from_file(self.root / "lesson.js", len(self.steps))

    @cached_property
    def languages(self):
        found = sorted(p.name.split(".")[1] for p in self.root.glob("ui.*.toml"))
        return [DEFAULT_LANGUAGE] + [lang for lang in found if lang != DEFAULT_LANGUAGE]

    def step(self, number):
        if 1 <= number <= len(self.steps):
            return self.steps[number - 1]
        return None

    @made_once
    def ui(self, language):
        """Interface strings for a language, English filling any gaps."""
        strings = self._read_toml(f"ui.{DEFAULT_LANGUAGE}.toml")
        if language != DEFAULT_LANGUAGE:
            strings = _filled_in(self._read_toml(f"ui.{language}.toml"), strings)
        return strings

    @made_once
    def page_text(self, name, language):
        path = self.root / f"{name}.{language}.md"
        if not path.exists():
            path = self.root / f"{name}.{DEFAULT_LANGUAGE}.md"
        return render_markdown(path.read_text(encoding="utf-8"))

    @made_once
    def code_html(self, number):
        """The step's code, highlighted, with the lines new in this step marked."""
        return javascript_html(self.lesson.code(number), self.lesson.new_line_numbers(number))

    @made_once
    def diff_html(self, number):
        return diff_html(self.lesson.diff(number))

    def _load_steps(self):
        steps = []
        for folder in self.root.iterdir():
            match = STEP_FOLDER.fullmatch(folder.name)
            if folder.is_dir() and match:
                meta = tomllib.loads((folder / "step.toml").read_text(encoding="utf-8"))
                steps.append(Step(int(match[1]), match[2], folder, meta))
        steps.sort(key=lambda step: step.number)
        if [step.number for step in steps] != list(range(1, len(steps) + 1)):
            raise ValueError(f"Step folders in {self.root} must be numbered 1, 2, 3... without gaps")
        return steps

    def _read_toml(self, name):
        path = self.root / name
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _filled_in(strings, fallback):
    """strings, with what they lack taken from fallback, tables included."""
    merged = dict(fallback)
    for key, value in strings.items():
        merged[key] = _filled_in(value, fallback[key]) if isinstance(value, dict) and isinstance(
            fallback.get(key), dict) else value
    return merged
