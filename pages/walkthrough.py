"""A page's text cut into sections, each shown beside the code it explains.

The call page's text (steps/call.LANG.md) is split at its `##` and `###`
headings. A section names the code it explains on lines of their own:

    ### Hang up
    The button sends `bye` to the other side, then ...

    [code: call.js#hang-up]      the lines between `// [call: hang-up]` and
                                 `// [/call]` in static/js/call.js (regions.py)
    [code: room_qr.js]           a whole file of static/js/

The code is read from the file the browser runs, when the page is made (and
again after an edit of it: content.LiveTutorial), so the page never shows a
copy that has drifted. A reference to a file or region that does not exist is
an error that names both, and the server does not start with one.

To explain a new part of the call: put the two marker lines around its code,
then a section with a `[code: ...]` line in every call.LANG.md.
"""

import re
from dataclasses import dataclass

REFERENCE = re.compile(r"\[code: ([A-Za-z0-9_-]+\.js)(?:#([a-z0-9-]+))?\]")
REFERENCE_LIKE = re.compile(r"^\[code:")
HEADING = re.compile(r"^#{2,3} ")
FENCE = re.compile(r"^(```|~~~)")


class WalkthroughError(ValueError):
    pass


@dataclass(frozen=True)
class Reference:
    file: str
    region: str | None  # None: the whole file
    line: int  # where the text names it


@dataclass(frozen=True)
class Section:
    markdown: str
    references: tuple[Reference, ...]


def sections(text):
    """The text's sections, in order, each with the code it names."""
    found = []
    lines, references = [], []
    in_fence = False

    def close():
        if lines or references:
            found.append(Section("".join(lines), tuple(references)))

    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
        if in_fence or FENCE.match(line):
            lines.append(line)
            continue
        if HEADING.match(line):
            close()
            lines, references = [], []
        if REFERENCE_LIKE.match(line):
            match = REFERENCE.fullmatch(line.strip())
            if not match:
                raise WalkthroughError(f"line {number}: {line.strip()!r} is not [code: FILE.js] or "
                                       "[code: FILE.js#REGION]")
            references.append(Reference(match[1], match[2], number))
            continue
        lines.append(line)
    close()
    return found
