"""The outbound queue's byte budget on its own."""

from types import SimpleNamespace

from signaling.outbound import QueueBudget, packet_size


def test_the_budget_takes_packets_up_to_its_limit_and_refuses_the_one_past_it():
    budget = QueueBudget(100)
    assert budget.add(60)
    assert budget.add(40)
    assert not budget.add(1)
    assert budget.queued == 100  # a refused packet is not counted


def test_sending_frees_the_budget():
    budget = QueueBudget(100)
    budget.add(100)
    budget.remove(70)
    assert budget.add(70)
    budget.remove(1000)
    assert budget.queued == 0


def test_no_limit():
    budget = QueueBudget(None)
    assert budget.add(10**12)


def test_a_packet_counts_its_text_or_bytes():
    assert packet_size(SimpleNamespace(data="héllo")) == 5
    assert packet_size(SimpleNamespace(data=b"\x00" * 7)) == 7
    assert packet_size(SimpleNamespace(data=None)) == 0
    assert packet_size(SimpleNamespace(data={"sid": "x"})) == 0
