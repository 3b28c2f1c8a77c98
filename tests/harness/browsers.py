"""Which Chromium to drive, and how: Playwright's own if installed, else the system one."""

import os
import shutil
from pathlib import Path

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# As root, offline, with fake media that needs no permission prompt, and
# WebRTC allowed to use the loopback interface (tests run on lo only).
# Headless or not is Playwright's choice (pytest --headed).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]


def camera_args(fake_video):
    """Chromium's arguments for a browser whose camera shows this Y4M clip."""
    return [*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={fake_video}"]


def chromium_executable(browser_type):
    """None means Playwright's bundled Chromium; otherwise a path to launch."""
    chosen = os.environ.get("CHROMIUM_PATH")
    if chosen:
        return chosen
    if Path(browser_type.executable_path).exists():
        return None
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "No Chromium found. Run `playwright install chromium`, install your system's "
        "chromium package, or set CHROMIUM_PATH."
    )


def launch_options(browser_type, fake_video=None, **options):
    """Launch options for the tests' browser, on top of `options` (pytest-playwright's
    --headed, --slowmo, --browser-channel): our flags, and the system Chromium where
    Playwright has none of its own, unless a channel names another browser."""
    if "channel" not in options:
        executable = chromium_executable(browser_type)
        if executable:
            options.setdefault("executable_path", executable)
    return {**options, "args": camera_args(fake_video) if fake_video else list(CHROMIUM_ARGS)}


def tab_sharing_args(fake_video, tab_title):
    """A browser whose camera shows this clip and whose getDisplayMedia() captures,
    without asking, the tab titled `tab_title`: a real capture of a real page, whose
    track ends (as on the browser's own "Stop sharing") when that tab closes.

    Headless Chromium has no screen: `--auto-select-desktop-capture-source=Entire
    screen` finds no such source and getDisplayMedia() never settles. With
    --use-fake-ui-for-media-stream it returns a fake screen (the fake camera's green
    pattern) that never ends, so this browser goes without that flag: its pages
    need the camera and microphone granted (a context's `permissions`)."""
    args = [arg for arg in camera_args(fake_video) if arg != "--use-fake-ui-for-media-stream"]
    return [*args, f"--auto-select-tab-capture-source-by-title={tab_title}"]


def two_camera_args():
    """A browser with Chromium's fake cameras fake_device_0, 1 and 2. Two of them are
    ordinary cameras that look different: 0 (I420) paints a bright green figure
    moving on a green background; 2 (MJPEG) the background without the figure. 1
    is a depth camera (Y16): shown locally, but WebRTC sends none of its frames.
    The fake cameras have no other options, and a video file replaces them all
    with one camera."""
    fake_devices = "--use-fake-device-for-media-stream"
    return [f"{fake_devices}=device-count=3" if arg == fake_devices else arg for arg in CHROMIUM_ARGS]
