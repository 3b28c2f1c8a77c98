"""One browser program, step by step: derive "the code as of step N" from steps/lesson.js.

The lesson is written once, with blocks tagged by the steps that contain them:

    // [step 3+]     lines from step 3 on
    // [step 1-2]    lines in steps 1 and 2 only
    // [step 3]      lines in step 3 only
    // [/step]       end of the block

Lines outside any block belong to every step. Marker lines themselves are
dropped. Because every step is cut from the same text, a fix lands in every
step at once, and the page runs exactly the code it shows.
"""

import difflib
import re
from dataclasses import dataclass

MARKER = re.compile(r"^\s*// \[(?:step (\d+)(?:(\+)|-(\d+))?|(/step))\]\s*$")


class LessonError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    text: str
    first: int  # first step that has this line
    last: int  # last step that has this line


class Lesson:
    def __init__(self, source, step_count):
        self.step_count = step_count
        self.lines = list(_parse(source, step_count))

    @classmethod
    def from_file(cls, path, step_count):
        with open(path, encoding="utf-8") as f:
            return cls(f.read(), step_count)

    def _lines_at(self, step):
        self._check(step)
        return [line for line in self.lines if line.first <= step <= line.last]

    def code(self, step):
        """The complete program as of this step."""
        return "".join(line.text for line in self._lines_at(step))

    def new_line_numbers(self, step):
        """1-based numbers, in code(step), of the lines this step introduces."""
        return [
            number
            for number, line in enumerate(self._lines_at(step), start=1)
            if line.first == step and line.text.strip()
        ]

    def diff(self, step):
        """A unified diff from the previous step's code to this one's."""
        before = self.code(step - 1).splitlines(keepends=True) if step > 1 else []
        after = self.code(step).splitlines(keepends=True)
        label = f"step {step - 1}" if step > 1 else "empty"
        return "".join(difflib.unified_diff(before, after, label, f"step {step}", n=2))

    def _check(self, step):
        if not 1 <= step <= self.step_count:
            raise LessonError(f"There is no step {step}.")


def _parse(source, step_count):
    block = None  # (first, last) while inside a block
    for number, text in enumerate(source.splitlines(keepends=True), start=1):
        match = MARKER.match(text)
        if not match:
            first, last = block or (1, step_count)
            yield Line(text, first, last)
            continue
        start, open_ended, end, closing = match.groups()
        if closing:
            if block is None:
                raise LessonError(f"line {number}: [/step] without an open block")
            block = None
        elif block is not None:
            raise LessonError(f"line {number}: blocks do not nest; close the previous one")
        else:
            first = int(start)
            last = step_count if open_ended else int(end or start)
            if not 1 <= first <= last <= step_count:
                raise LessonError(f"line {number}: steps {first}-{last} are out of range")
            block = (first, last)
    if block is not None:
        raise LessonError("the last block is not closed with [/step]")
