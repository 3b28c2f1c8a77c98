"""The outbound queue's byte budget on its own."""

from types import SimpleNamespace

import engineio
from engineio import packet
from engineio import socket as engineio_socket

from signaling.outbound import QueueBudget, bound_queues, packet_size


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


def test_a_packet_for_a_socket_that_closed_a_moment_ago_is_dropped_without_an_error():
    """Under threading, a peer's socket can close on its own thread between Engine.IO
    finding it open and sending to it: a stop's `peer-left` then raised
    SocketIsClosedError in the disconnect handler, and the log showed a traceback."""
    bound_queues()
    server = engineio.Server(async_mode="threading")
    server.max_queued_bytes = 1000
    client = engineio_socket.Socket(server, "a-peer")
    client.close(wait=False, abort=True)
    assert client.send(packet.Packet(packet.MESSAGE, data="x" * 10)) is None
    assert client.outbound.queued == 0  # nothing stays counted for a packet never queued
