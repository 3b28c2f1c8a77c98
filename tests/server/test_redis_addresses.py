"""The per-address limits hold across two app processes that share one Redis:
one address cannot get twice its share by spreading itself over both.

Each test's client address is its own (the whole of 127/8 is loopback)."""

import json
import uuid

import pytest

import serving
from tests.harness.raw_socketio import RawSocketIO, http_get
from tests.harness.redis_server import two_app_processes
from tests.harness.resources import wait_until

CONNECTIONS, PLACES, JOINS = 6, 4, 10


@pytest.fixture(scope="module", params=serving.ASYNC_MODES)
def servers(request, redis):
    limits = ("--per-address-connections", str(CONNECTIONS), "--per-address-rooms", str(PLACES),
              "--per-address-joins", str(JOINS))
    with two_app_processes(request.param, redis.url, *limits) as pair:
        yield pair


def room():
    return f"r-{uuid.uuid4().hex}"


def alternating(servers, count, source):
    """count clients from one address, every other one on the other process."""
    return [RawSocketIO(servers[n % 2].url, source=source) for n in range(count)]


def test_places_in_rooms_are_counted_across_processes(servers):
    clients = alternating(servers, PLACES + 1, "127.0.8.1")
    replies = [client.call(1, "join", {"room": room()}) for client in clients]
    assert [reply["ok"] for reply in replies] == [True] * PLACES + [False]
    assert replies[-1]["error"]["code"] == "too-many-rooms"
    assert clients[0].call(2, "leave") == {"ok": True}  # given back on one process...
    assert clients[-1].call(3, "join", {"room": room()})["ok"]  # ...taken on the other
    for client in clients:
        client.close()


def test_joins_a_minute_are_counted_across_processes(servers):
    clients = alternating(servers, 2, "127.0.8.2")
    replies = []
    for attempt in range(JOINS + 1):  # 5 or 6 joins each, within each socket's own 10
        client = clients[attempt % 2]
        replies.append(client.call(attempt, "join", {"room": room()}))
        if replies[-1]["ok"]:
            assert client.call(100 + attempt, "leave") == {"ok": True}
    assert [reply["ok"] for reply in replies] == [True] * JOINS + [False]
    assert replies[-1]["error"]["code"] == "address-too-many-joins"
    for client in clients:
        client.close()


def test_connections_are_counted_across_processes(servers):
    held = alternating(servers, CONNECTIONS, "127.0.8.3")
    for server in servers:
        status, body = http_get(server.url, "/socket.io/?EIO=4&transport=polling", source="127.0.8.3")
        assert status == 401
        assert json.loads(body)["code"] == "too-many-connections"
    held.pop().close()  # one closed on one process: the other may take it
    other = servers[CONNECTIONS % 2]
    assert wait_until(lambda: http_get(other.url, "/socket.io/?EIO=4&transport=polling",
                                       source="127.0.8.3")[0] == 200, 5)
    for client in held:
        client.close()
