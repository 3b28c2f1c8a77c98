"""Read QR codes back as a phone would, with zxing-cpp: from a terminal's block
characters, from a matrix of modules, or from a screenshot."""

import io

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
