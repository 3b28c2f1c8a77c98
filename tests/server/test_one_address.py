"""One address trying to take every room (issue 7, finding 5), against the real
server under each async mode, with small limits so that the attack is short.

Every test's attacker comes from an address of its own (the whole of 127/8 is
loopback), so the counts of one test never meet another's.
"""

import json
import uuid

import pytest

from tests.harness.raw_socketio import RawSocketIO, http_get, refused_websocket
from tests.harness.resources import wait_until

CONNECTIONS, PLACES, JOINS = 8, 4, 12
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def server_args():
    return ("--per-address-connections", str(CONNECTIONS), "--per-address-rooms", str(PLACES),
            "--per-address-joins", str(JOINS))


def room():
    return f"r-{uuid.uuid4().hex}"


def handshake(server, source):
    """(status, body) of a new polling session: the session then stays open until
    it misses its pings, as the attack's did."""
    return http_get(server.url, HANDSHAKE, source=source)


def test_one_address_holds_a_limited_number_of_places_in_rooms(server):
    attacker = [RawSocketIO(server.url, source="127.0.5.1") for _ in range(PLACES + 1)]
    replies = [client.call(1, "join", {"room": room()}) for client in attacker]
    assert [reply["ok"] for reply in replies] == [True] * PLACES + [False]
    assert replies[-1]["error"]["code"] == "too-many-rooms"
    # Someone else still gets rooms and calls.
    caller, callee = RawSocketIO(server.url, source="127.0.5.2"), RawSocketIO(server.url, source="127.0.5.3")
    shared = room()
    assert caller.call(1, "join", {"room": shared})["ok"] and callee.call(1, "join", {"room": shared})["ok"]
    assert caller.receive().startswith('42/signal,["peer-joined"')
    callee.event("signal", {"type": "bye"})
    relayed = caller.receive()  # the callee's own text (the relay does not encode it again)
    assert relayed.startswith("42/signal,") and json.loads(relayed.removeprefix("42/signal,")) == [
        "signal", {"type": "bye"}]
    # A place is given back when its holder leaves.
    assert attacker[0].call(2, "leave") == {"ok": True}
    assert attacker[-1].call(2, "join", {"room": room()})["ok"]
    for client in [*attacker, caller, callee]:
        client.close()


def test_one_address_makes_a_limited_number_of_joins_a_minute(server):
    clients = [RawSocketIO(server.url, source="127.0.6.1") for _ in range(3)]
    replies = []
    for attempt in range(JOINS + 1):  # each client makes 4 or 5 joins, within its own 10
        client = clients[attempt % len(clients)]
        replies.append(client.call(attempt, "join", {"room": room()}))
        if replies[-1]["ok"]:
            assert client.call(100 + attempt, "leave") == {"ok": True}
    assert [reply["ok"] for reply in replies] == [True] * JOINS + [False]
    assert replies[-1]["error"]["code"] == "address-too-many-joins"
    other = RawSocketIO(server.url, source="127.0.6.2")
    assert other.call(1, "join", {"room": room()})["ok"]
    for client in [*clients, other]:
        client.close()


def test_one_address_holds_a_limited_number_of_connections(server):
    held = [handshake(server, "127.0.7.1") for _ in range(CONNECTIONS - 1)]
    assert [status for status, _ in held] == [200] * (CONNECTIONS - 1)
    websocket = RawSocketIO(server.url, source="127.0.7.1")  # the last one allowed
    status, body = handshake(server, "127.0.7.1")
    assert status == 401
    assert json.loads(body)["code"] == "too-many-connections"
    status, body = refused_websocket(server.url, source="127.0.7.1")  # the same over WebSocket
    assert status == 401
    assert json.loads(body)["code"] == "too-many-connections"
    # Another address connects, enters /signal and joins.
    assert RawSocketIO(server.url, source="127.0.7.2").call(1, "join", {"room": room()})["ok"]
    # A connection that closes gives its place back.
    websocket.close()
    assert wait_until(lambda: handshake(server, "127.0.7.1")[0] == 200, timeout=5)
    # (The polling sessions above end by themselves once they miss their pings.)

