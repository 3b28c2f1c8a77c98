"""pytest-playwright's options work on these tests as its users expect: a failed test's
trace is kept (--tracing retain-on-failure), and its report says what the page showed."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).with_name("examples") / "fails_on_purpose.py"


def test_a_failed_call_test_keeps_its_trace_and_says_what_the_page_showed(tmp_path):
    output = tmp_path / "results"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLE), "-p", "no:cacheprovider",
         "--tracing", "retain-on-failure", "--output", str(output)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED" in run.stdout and "test_the_other_side_never_answers" in run.stdout
    assert "what the pages showed" in run.stdout
    assert "status: Waiting for someone" in run.stdout
    assert "connection: new" in run.stdout
    traces = list(output.rglob("trace*.zip"))
    assert len(traces) == 1, sorted(output.rglob("*"))
    assert traces[0].stat().st_size > 1000
