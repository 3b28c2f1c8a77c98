"""Fake camera input: solid-colour Y4M clips, so each browser's picture is recognisable."""

# BT.601 full-range YCbCr of the colours used (Y, Cb, Cr).
COLOURS = {
    "red": ((76, 85, 255), (254, 0, 0)),
    "blue": ((29, 255, 107), (0, 0, 254)),
}
WIDTH, HEIGHT, FRAMES = 320, 240, 10
CAMERA_FPS = 30  # a webcam's usual rate


def write_y4m(path, colour, fps=CAMERA_FPS):
    """A short 4:2:0 clip of one colour; Chromium loops it as the camera, at fps
    frames a second."""
    (y, cb, cr), _ = COLOURS[colour]
    luma = bytes([y]) * (WIDTH * HEIGHT)
    chroma_size = (WIDTH // 2) * (HEIGHT // 2)
    frame = b"FRAME\n" + luma + bytes([cb]) * chroma_size + bytes([cr]) * chroma_size
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        f.write(frame * FRAMES)
    return path


def rgb_of(colour):
    return COLOURS[colour][1]
