"""Run the test suite: `python tests/run.py [--install] [pytest arguments]`.

Browser calls must keep their media on loopback, so where this process may
create a network namespace (root, with unshare and ip), pytest runs inside a
new one whose only interface is lo. Elsewhere (a laptop), it runs as is and
the end-to-end tests use the host network.

--install first installs what the tests need: the Python packages in
requirements-dev.txt and, where apt-get is available (as root), the Debian
packages of what is missing: chromium when no Chromium is found, coturn (the
TURN server the TURN tests start) when there is no turnserver, redis-server
(the message queue and room store of the tests with several processes), nginx (the
proxy in front of the app in the tests of deploy/nginx.conf) when there is none, npm
when there is none; then the test-only Node packages of tests/package.json
(axe-core, for the accessibility audit) with `npm ci`, into tests/node_modules.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Debian packages the tests need, each with the programs that make it unneeded.
SYSTEM_PACKAGES = {
    "chromium": ("chromium", "chromium-browser", "google-chrome"),
    "coturn": ("turnserver",),
    "redis-server": ("redis-server",),
    "nginx": ("nginx",),
    "npm": ("npm",),
}


def install():
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "-r", str(ROOT / "requirements-dev.txt")]
    subprocess.run(pip, check=True)
    missing = [package for package, programs in SYSTEM_PACKAGES.items()
               if not any(shutil.which(program) for program in programs)]
    if missing and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=quiet)
    if shutil.which("npm"):
        npm = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm, cwd=ROOT / "tests", check=True)


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
