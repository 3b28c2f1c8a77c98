"""The saturation benchmark's summary says what an overloaded server did."""

from benchmarks.saturation import overload_line


def step(offered, achieved, p99=2.0, cpu_share=0.5):
    """One step of the ramp as the benchmark records it (5 s; every message sent)."""
    return {"offered": offered, "sent_rate": offered, "sent": offered * 5, "achieved": achieved, "p99": p99,
            "lost": 0, "server_cpu": cpu_share}


def test_a_server_that_relays_far_less_once_overloaded_has_collapsed():
    # threading with a 1 ms GIL switch interval, 3 December 2026
    line = overload_line([step(1125, 1125), step(1688, 250, p99=7500, cpu_share=1.4)])
    assert line == ("overloaded at 1688 msg/s offered: relayed 250 msg/s, 22% of its best 1125, "
                    "at 5600 us CPU/msg: collapsed")


def test_a_server_that_goes_on_relaying_near_its_best_rate_kept_relaying():
    line = overload_line([step(1688, 1713, p99=204), step(2500, 1359, p99=3561, cpu_share=1.05)])
    assert line.endswith("relayed 1359 msg/s, 79% of its best 1713, at 773 us CPU/msg: kept relaying")


def test_a_ramp_that_never_saturated_the_server_says_nothing_of_overload():
    assert overload_line([step(500, 500), step(750, 750)]) is None
    assert overload_line([]) is None
