"""The tutorial's content: step folders, page texts and interface strings, per language.

    steps/
      lesson.js            the browser program, tagged by step (see lesson.py)
      1-connect/           one folder per step: NUMBER-SLUG
        step.toml          per language: title and a one-line summary; and
                           `demo`, the parts of the live demo the step adds
        en.md, zh.md       the step's explanation
      overview.en.md       the overview page
      call.en.md           the call page's text: how to try it, then each addition
                           beside its code in static/js/ (see walkthrough.py)
      ui.en.toml           the interface's short strings

A language is available when its ui.LANG.toml exists; any missing text falls
back to English. Adding a translation is adding files.

A learner edits these files while the server runs (a step's exercises change
steps/lesson.js), and a reload must show the edit. `LiveTutorial` stats the
content's files on each request and loads them again only when one changed
(its modification time or size); each loaded `Tutorial` makes each piece of
HTML once, on first use: Markdown and highlighting cost 10-30 ms a page, and
pages share a process with the signaling server. An edit that breaks the
content (an unclosed `// [step N]` block, bad TOML) is a `ContentError` that
names the file and the problem; the last good content stays loaded meanwhile.

The call page shows the code the browser runs, static/js/ (the code folder):
its text names regions of those files (`[code: call.js#hang-up]`, marked in
call.js by `// [call: hang-up]` ... `// [/call]`; see walkthrough.py and
regions.py), and an edit of a file there shows on the next request too. A
reference to a file or region that is not there is a `ContentError` naming
both; adding a section is two marker lines and a `[code: ...]` line per language.
"""

import contextlib
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import walkthrough
from .lesson import Lesson, LessonError
from .regions import RegionError, regions, whole_file
from .rendering import diff_html, javascript_html, render_markdown

DEFAULT_LANGUAGE = "en"
DEMO_PARTS = {"chat"}  # what a step.toml's `demo` may name: templates/_chat.html
CONTENT_SUFFIXES = (".js", ".md", ".toml")  # not an editor's swap or backup files
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
    # The demo's parts beyond the videos: those this step and every earlier one
    # add, because the code of later steps still uses them.
    demo: frozenset = frozenset()

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


class ContentError(ValueError):
    """The content cannot be loaded as it is now; the message names the file."""


@dataclass(frozen=True)
class CodePanel:
    region: object  # regions.Region: file, name, first and last line, code
    html: str


@dataclass(frozen=True)
class TextSection:
    html: str
    panels: tuple  # the CodePanels it explains, beside it; none for plain text


class Tutorial:
    """The content of `root` (steps/); `code_root`, the folder of the browser code
    that page texts name (static/js/), is read and checked when given."""

    def __init__(self, root, code_root=None):
        self.root = Path(root)
        self.code_root = Path(code_root) if code_root else None
        self.steps = self._load_steps()
        self.lesson = Lesson.from_file(self.root / "lesson.js", len(self.steps))
        self._sections = self._load_sections() if self.code_root else {}

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
        return render_markdown(self._page_path(name, language).read_text(encoding="utf-8"))

    def _page_path(self, name, language):
        path = self.root / f"{name}.{language}.md"
        return path if path.exists() else self.root / f"{name}.{DEFAULT_LANGUAGE}.md"

    @made_once
    def sections(self, name, language):
        """A page's text (NAME.LANG.md) as TextSections, each with the code it names."""
        if not self.code_root:
            raise ContentError(f"{self.root.name}/{name}.{language}.md: no code folder to show code from")
        path = self._page_path(name, language)
        return [
            TextSection(render_markdown(markdown),
                        tuple(CodePanel(region, javascript_html(region.code, first_line=region.first))
                              for region in shown))
            for markdown, shown in self._sections[path.name]
        ]

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
                meta = _toml(folder / "step.toml")
                steps.append(Step(int(match[1]), match[2], folder, meta))
        steps.sort(key=lambda step: step.number)
        if [step.number for step in steps] != list(range(1, len(steps) + 1)):
            raise ContentError(f"Step folders in {self.root} must be numbered 1, 2, 3... without gaps")
        demo = frozenset()
        for step in steps:
            demo = step.demo = demo | _demo_parts(step)
        return steps

    def _load_sections(self):
        """Every page text cut into sections, with the regions of code it names,
        read now: a reference to code that is not there stops the load."""
        loaded = {}
        for path in sorted(self.root.glob("*.*.md")):
            source = f"{self.root.name}/{path.name}"
            try:
                found = walkthrough.sections(path.read_text(encoding="utf-8"))
            except walkthrough.WalkthroughError as error:
                raise ContentError(f"{source}, {error}") from None
            loaded[path.name] = [
                (section.markdown, tuple(self._region(source, reference) for reference in section.references))
                for section in found
            ]
        return loaded

    def _region(self, source, reference):
        shown = f"{self.code_root.parent.name}/{self.code_root.name}/{reference.file}"
        if not (self.code_root / reference.file).is_file():
            raise ContentError(f"{source}, line {reference.line}: {shown} does not exist")
        found = self._code_regions(reference.file, shown)
        if reference.region not in found:
            raise ContentError(f"{source}, line {reference.line}: {shown} has no region {reference.region!r} "
                               f"(a line // [call: {reference.region}], then its code, then // [/call])")
        return found[reference.region]

    @made_once
    def _code_regions(self, file, shown):
        """A code file's regions by name, and the whole file under None."""
        text = (self.code_root / file).read_text(encoding="utf-8")
        try:
            return {None: whole_file(file, text), **regions(file, text)}
        except RegionError as error:
            raise ContentError(f"{shown}, {error}") from None

    def _read_toml(self, name):
        path = self.root / name
        return _toml(path) if path.exists() else {}


def _toml(path):
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{path.parent.name}/{path.name}: {error}") from None


def _demo_parts(step):
    parts = step.meta.get("demo", [])
    if not isinstance(parts, list) or not all(isinstance(part, str) and part in DEMO_PARTS for part in parts):
        raise ContentError(f"{step.folder.name}/step.toml: demo is a list of parts of the live demo, "
                           f"among: {', '.join(sorted(DEMO_PARTS))}")
    return frozenset(parts)


class LiveTutorial:
    """The content as the files are now: `current()` is a `Tutorial`, loaded
    again when a file changed since the last load; `ContentError` while the
    files are broken. The first load happens at once, and a broken content
    there stops the server from starting, as before."""

    def __init__(self, root, code_root=None):
        self.root = Path(root)
        self.code_root = Path(code_root) if code_root else None
        self._seen = self._fingerprint()
        self._loaded = Tutorial(self.root, self.code_root)
        self.last_good = self._loaded
        self.loads = 1  # how many times the content was read: the tests count re-renders

    def current(self):
        seen = self._fingerprint()
        if seen != self._seen:
            self._seen = seen
            self.loads += 1
            try:
                self._loaded = self.last_good = Tutorial(self.root, self.code_root)
            except LessonError as error:
                self._loaded = ContentError(f"{self.root.name}/lesson.js, {error}")
            except ContentError as error:
                self._loaded = error
            except (ValueError, OSError) as error:  # a file removed or half-written mid-save
                self._loaded = ContentError(f"{self.root.name}: {error}")
        if isinstance(self._loaded, ContentError):
            raise self._loaded
        return self._loaded

    def _fingerprint(self):
        """Each content file's path, modification time and size: the top folder,
        the step folders and the code folder, one stat per file (about 0.2 ms
        for 22 files)."""
        found = []

        def scan(folder, top):
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if top and STEP_FOLDER.fullmatch(entry.name) and entry.is_dir():
                        scan(entry.path, top=False)
                    elif entry.name.endswith(CONTENT_SUFFIXES):
                        with contextlib.suppress(OSError):  # removed while we looked
                            status = entry.stat()
                            found.append((entry.path, status.st_mtime_ns, status.st_size))

        scan(self.root, top=True)
        if self.code_root:
            scan(self.code_root, top=False)
        return frozenset(found)


def _filled_in(strings, fallback):
    """strings, with what they lack taken from fallback, tables included."""
    merged = dict(fallback)
    for key, value in strings.items():
        merged[key] = _filled_in(value, fallback[key]) if isinstance(value, dict) and isinstance(
            fallback.get(key), dict) else value
    return merged
