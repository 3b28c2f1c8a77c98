"""Run the test suite: `python tests/run.py [--install] [--workers N] [pytest arguments]`.

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

The tests run in two phases. First all but those marked `quiet`, in two worker
processes side by side (pytest-xdist), each in a loopback-only namespace of its
own, so that one worker's blackholed UDP or ports are not the other's. Then the
`quiet` ones, which make load or measure relay latency under it, alone. `--workers 1`
runs everything in one process, in order (for --headed, say); so does any
argument that picks tests by marker or sets workers (-m, -n, --tx, --dist,
-p no:xdist). After each phase it prints its time, and how much of the CPUs'
time went to work and how much the host of this virtual machine took.
"""

import os
import shlex
import shutil
import subprocess
import sys
import time
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


WORKERS = 2
# Arguments with which the caller chooses the markers or the workers: one phase, theirs.
OWN_CHOICE = ("-m", "-n", "--numprocesses", "--tx", "--dist", "no:xdist")
LOOPBACK_ONLY = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def phases(argv, workers, isolated):
    """The pytest argument lists to run, one after the other."""
    if workers <= 1 or any(arg.split("=")[0] in OWN_CHOICE for arg in argv):
        return [argv]
    python = shlex.join([*LOOPBACK_ONLY, sys.executable]) if isolated else sys.executable
    side_by_side = ["-m", "not quiet", "--tx", f"{workers}*popen//python={python}",
                    "--dist", "worksteal"]
    return [[*side_by_side, *argv], ["-m", "quiet", *argv]]


def cpu_ticks():
    """This machine's CPU time so far, from Linux's /proc/stat: (busy, stolen, all), in
    clock ticks; None elsewhere. Stolen is time the host of a virtual machine gave to
    others, which stretches the suite's time without anything here having changed."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    except (OSError, ValueError):
        return None
    busy = user + nice + system + irq + softirq
    return busy, steal, busy + steal + idle + iowait


def timing(seconds, before, after):
    """A phase's time, and how busy the CPUs were meanwhile."""
    whole = round(seconds)
    line = f"{whole // 60} min {whole % 60} s"
    if before and after:
        busy, stolen, total = (end - start for start, end in zip(before, after, strict=True))
        if total:
            line += f"; the CPUs {busy / total:.0%} busy, {stolen / total:.0%} stolen by the host"
    return line


def combined(codes):
    """One exit code for the phases: the first failure; 5 (no tests) only if every phase had none."""
    failures = [code for code in codes if code not in (0, 5)]
    if failures:
        return failures[0]
    return 5 if all(code == 5 for code in codes) else 0


def main(argv):
    workers = WORKERS
    while argv[:1] in (["--install"], ["--workers"]):
        if argv[0] == "--install":
            install()
            argv = argv[1:]
        else:
            workers, argv = int(argv[1]), argv[2:]
    isolated = can_isolate_network()
    if not isolated:
        print("No loopback-only namespace here: end-to-end calls use the host network.", flush=True)
        os.environ["E2E_ALLOW_HOST_NETWORK"] = "1"
    codes = []
    for arguments in phases(argv, workers, isolated):
        pytest = [sys.executable, "-m", "pytest", *arguments]
        command = [*LOOPBACK_ONLY, *pytest] if isolated else pytest
        began, before = time.monotonic(), cpu_ticks()
        codes.append(subprocess.run(command, cwd=ROOT).returncode)
        print(f"tests/run.py: {timing(time.monotonic() - began, before, cpu_ticks())}", flush=True)
    return combined(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
