"""Read QR codes back as a phone would, with zxing-cpp: from a terminal's block
characters, from a matrix of modules, or from a screenshot."""

import io
import re

import zxingcpp

# segno's compact terminal output: each character is two modules, top and bottom;
# the drawn half is light (True), the blank half dark.
HALF_BLOCKS = {" ": (False, False), "\u2580": (True, False), "\u2584": (False, True), "\u2588": (True, True)}
SCALE = 4  # pixels a module


def texts_in_matrix(rows):
    """The texts of the QR codes in rows of modules (True: light), drawn as pixels
    with a light quiet zone around them."""
    width = len(rows[0]) + 8
    pixels = bytearray(b"\xff" * (width * SCALE) ** 2)
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if not light:
                for dy in range(SCALE):
                    start = ((y + 4) * SCALE + dy) * width * SCALE + (x + 4) * SCALE
                    pixels[start:start + SCALE] = b"\x00" * SCALE
    image = memoryview(bytes(pixels)).cast("B", shape=[width * SCALE, width * SCALE])
    return [found.text for found in zxingcpp.read_barcodes(image)]


def texts_in_blocks(lines):
    """The texts of the QR code drawn by these lines of half blocks."""
    rows = []
    for line in lines:
        pairs = [HALF_BLOCKS[char] for char in line]
        rows += [[top for top, _ in pairs], [bottom for _, bottom in pairs]]
    return texts_in_matrix(rows)


def texts_in_png(png):
    """The texts of the QR codes in a PNG screenshot."""
    from PIL import Image  # only the browser tests need Pillow

    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def texts_in_svg(svg):
    """The texts of the QR code in an SVG as pages.phone draws it (segno's): a
    viewBox of modules, a light background, and one path of dark runs, each
    `h` a run along the row whose centre line the last move set."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)[1])
    rows = [[True] * size for _ in range(size)]
    path = re.findall(r'<path[^>]*stroke="#000"[^>]*d="([^"]+)"', svg)
    assert len(path) == 1, svg
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path[0]):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                rows[int(y)][column] = False
            x += float(a)
    return texts_in_matrix(rows)
