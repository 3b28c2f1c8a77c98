"""Run the end-to-end suite several times in a row while one core is kept busy.

    python tests/loaded_runs.py [--runs 10] [pytest arguments, default tests/e2e]

A flaky test hides in a quiet machine and shows under load, so this keeps one
core at 100 % with a busy loop (bounded: it ends with this script, or after an
hour at most) and runs `python tests/run.py` RUNS times. It prints each run's
result and, at the end, the number of runs that failed; failing runs' output
names the failed tests and what their pages showed. Exits 1 if any run failed.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY_LOOP = "import time\nend = time.monotonic() + 3600\nwhile time.monotonic() < end: pass\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args, pytest_args = parser.parse_known_args(argv)
    pytest_args = pytest_args or ["tests/e2e"]
    hog = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    failed = []
    try:
        for run in range(1, args.runs + 1):
            began = time.monotonic()
            result = subprocess.run([sys.executable, "tests/run.py", "-q", *pytest_args], cwd=ROOT,
                                    capture_output=True, text=True)
            summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
            print(f"run {run}: {summary} ({time.monotonic() - began:.0f} s)", flush=True)
            if result.returncode != 0:
                failed.append(run)
                print(result.stdout[-20_000:], result.stderr[-5_000:], sep="\n", flush=True)
    finally:
        hog.kill()
        hog.wait()
    print(f"{len(failed)} of {args.runs} runs failed" + (f": runs {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
