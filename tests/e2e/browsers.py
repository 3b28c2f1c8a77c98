"""Find a Chromium to drive: Playwright's own if installed, else the system one."""

import os
import shutil
from pathlib import Path

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Headless, as root, offline, with fake media that needs no permission prompt,
# and WebRTC allowed to use the loopback interface (tests run on lo only).
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


def chromium_executable(playwright):
    """None means Playwright's bundled Chromium; otherwise a path to launch."""
    chosen = os.environ.get("CHROMIUM_PATH")
    if chosen:
        return chosen
    if Path(playwright.chromium.executable_path).exists():
        return None
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "No Chromium found. Run `playwright install chromium`, install your system's "
        "chromium package, or set CHROMIUM_PATH."
    )


def launch(playwright, fake_video=None):
    args = list(CHROMIUM_ARGS)
    if fake_video:
        args.append(f"--use-file-for-fake-video-capture={fake_video}")
    return playwright.chromium.launch(executable_path=chromium_executable(playwright), args=args)
