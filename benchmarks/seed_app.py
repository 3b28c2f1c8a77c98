"""The article's original app (../shared/seed-app), run beside ours for side-by-side
figures. Nothing of it belongs in the project: it is copied to a cache folder,
its packages installed there with npm, and started with node.

    python -m benchmarks.seed_app --install    # once, where the npm registry is reachable

It listens on port 8080 on every interface (its page connects to ws://localhost:8080),
so start it only inside a loopback-only network namespace, as call_setup does.
"""

import argparse
import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

from tests.harness.server import ROOT, stop_process, wait_until_serving

SOURCE = ROOT.parent / "shared" / "seed-app"
CACHE = ROOT / "benchmarks" / ".seed-app"  # git ignores it
PORT = 8080  # fixed in the seed's page


def install():
    """Copy the seed app to the cache and install its packages there."""
    if not SOURCE.is_dir():
        sys.exit(f"the article's app is not at {SOURCE}")
    shutil.copytree(SOURCE, CACHE, dirs_exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CACHE, check=True)
    print(f"the article's app is ready in {CACHE}")


def installed():
    return (CACHE / "node_modules" / "express-ws").is_dir()


@contextlib.contextmanager
def running_seed_app():
    """Yield the seed app's URL once it answers; stop it after."""
    if not installed():
        sys.exit("the article's app is not installed: run `python -m benchmarks.seed_app --install` "
                 "outside the loopback-only namespace (npm needs the registry)")
    process = subprocess.Popen(["node", "index.js"], cwd=CACHE, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://localhost:{PORT}"
    try:
        wait_until_serving(url, process, timeout=20, log=Path("/dev/null"))
        yield url
    finally:
        stop_process(process)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="store_true", help="copy it to the cache and npm install there")
    if parser.parse_args().install:
        install()
    else:
        parser.print_help()
