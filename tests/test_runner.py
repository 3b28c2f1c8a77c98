"""tests/run.py's report of each phase: its time, and how busy the machine was."""

from tests import run


def test_a_phase_is_reported_with_its_share_of_busy_and_stolen_cpu():
    # busy, stolen, all: 50 of 100 ticks busy, 10 taken by the host
    assert run.timing(125.4, (1000, 200, 5000), (1050, 210, 5100)) == (
        "2 min 5 s; the CPUs 50% busy, 10% stolen by the host")


def test_without_proc_stat_only_the_time_is_reported():
    assert run.timing(59.6, None, None) == "1 min 0 s"


def test_the_machine_counts_busy_and_stolen_within_all_its_cpu_time():
    busy, stolen, total = run.cpu_ticks()
    assert 0 < busy + stolen <= total
