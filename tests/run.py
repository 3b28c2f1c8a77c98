"""Run the test suite: `python tests/run.py [--install] [pytest arguments]`.

Browser calls must keep their media on loopback, so where this process may
create a network namespace (root, with unshare and ip), pytest runs inside a
new one whose only interface is lo. Elsewhere (a laptop), it runs as is and
the end-to-end tests use the host network.

--install first installs what the tests need: the Python packages in
requirements-dev.txt and, where no Chromium is found and apt-get is
available, Debian's chromium package.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def install():
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements-dev.txt")]
    subprocess.run(pip, check=True)
    have_browser = any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome"))
    if not have_browser and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True)


def can_isolate_network():
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return False
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return probe.returncode == 0


def main(argv):
    if argv[:1] == ["--install"]:
        install()
        argv = argv[1:]
    pytest = [sys.executable, "-m", "pytest", *argv]
    if can_isolate_network():
        command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *pytest]
    else:
        print("No loopback-only namespace here: end-to-end calls use the host network.", flush=True)
        os.environ["E2E_ALLOW_HOST_NETWORK"] = "1"
        command = pytest
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
