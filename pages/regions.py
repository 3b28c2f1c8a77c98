"""Named regions of the app's own browser code, for a page to show beside its text.

A region is marked in the file by two comment lines:

    // [call: hang-up]
    function hangUp() {
      ...
    }
    // [/call]

The markers stay in the file the browser runs (they are comments); the page
shows the lines between them, with their numbers in the file. Regions do not
nest, and a name is used once per file. See walkthrough.py for how a page's
text names a region.
"""

import re
from dataclasses import dataclass

MARKER = re.compile(r"^\s*// \[(?:call: ([a-z0-9-]+)|(/call))\]\s*$")


class RegionError(ValueError):
    pass


@dataclass(frozen=True)
class Region:
    file: str  # the file's name, such as call.js
    name: str | None  # None: the whole file
    first: int  # 1-based line numbers in the file
    last: int
    code: str

    def lines(self):
        return self.code.splitlines()


def whole_file(file, text):
    return Region(file, None, 1, len(text.splitlines()), text)


def regions(file, text):
    """Every named region of a file's text, by name."""
    found = {}
    open_name = None
    start = 0
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        match = MARKER.match(line)
        if not match:
            continue
        name, closing = match.groups()
        if closing:
            if open_name is None:
                raise RegionError(f"line {number}: // [/call] without an open // [call: NAME]")
            if number == start + 1:
                raise RegionError(f"line {number}: the region {open_name!r} is empty")
            found[open_name] = Region(file, open_name, start + 1, number - 1, "".join(lines[start:number - 1]))
            open_name = None
        elif open_name is not None:
            raise RegionError(f"line {number}: regions do not nest; close {open_name!r} (line {start}) first")
        elif name in found:
            raise RegionError(f"line {number}: a second region named {name!r}")
        else:
            open_name, start = name, number
    if open_name is not None:
        raise RegionError(f"line {start}: the region {open_name!r} is not closed with // [/call]")
    return found
