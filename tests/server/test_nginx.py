"""Behind a real nginx configured by the shipped example (deploy/nginx.conf), in
front of two app processes started with --proxy 1: standard clients connect with
their default transports, a room's two peers reach one process, and the
per-address limits count each client's own address, which nginx passes on in
X-Forwarded-For."""

import json
import uuid

import pytest

from signaling import NAMESPACE
from tests.harness.nginx import behind_nginx
from tests.harness.raw_socketio import http_get
from tests.harness.resources import wait_until
from tests.harness.signal_client import OFFER

from .test_clients import Listener, wait_for_websocket

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
PER_ADDRESS = 3


@pytest.fixture(scope="module")
def proxied(nginx_installed):
    with behind_nginx(extra_args=("--per-address-connections", str(PER_ADDRESS))) as started:
        yield started


def test_a_default_client_upgrades_joins_and_relays_through_nginx(proxied):
    """Polling first, then the upgrade to WebSocket through nginx, then a relay."""
    caller, callee = Listener(None), Listener(None)
    for listener in (caller, callee):
        listener.client.connect(proxied.url, namespaces=[NAMESPACE], wait_timeout=10)
    try:
        for listener in (caller, callee):
            wait_for_websocket(listener.client)
        room = f"nginx-{uuid.uuid4().hex}"
        assert caller.call("join", {"room": room}) == {"ok": True, "role": "caller", "peers": 0}
        assert callee.call("join", {"room": room}) == {"ok": True, "role": "callee", "peers": 1}
        assert caller.next_event() == ("peer-joined", [{}])
        callee.client.emit("signal", OFFER, namespace=NAMESPACE)
        assert caller.next_event() == ("signal", [OFFER])
    finally:
        for listener in (caller, callee):
            listener.client.disconnect()


@pytest.fixture(scope="module")
def apart(nginx_installed):
    """Two processes behind nginx, each with its rooms in its own memory."""
    with behind_nginx() as started:
        yield started


def test_a_room_s_peers_reach_one_process_and_rooms_spread_over_both(apart):
    """nginx hashes on the room in the connection's query: each room's second peer
    finds the first, which two processes sharing nothing allow only on one of
    them, and different rooms land on both. The clients start on long-polling,
    whose every request must reach the process that holds the session."""

    def clients():
        return [app.clients() for app in apart.apps]

    holders = set()
    for number in range(16):
        room = f"spread-{number}-{uuid.uuid4().hex}"
        caller, callee = Listener(None), Listener(None)
        for listener in (caller, callee):
            listener.client.connect(f"{apart.url}/?room={room}", namespaces=[NAMESPACE], wait_timeout=10)
        try:
            wait_for_websocket(callee.client)
            assert caller.call("join", {"room": room}) == {"ok": True, "role": "caller", "peers": 0}
            assert callee.call("join", {"room": room}) == {"ok": True, "role": "callee", "peers": 1}
            counts = clients()
            assert sorted(counts) == [0, 2], counts
            holders.add(counts.index(2))
        finally:
            for listener in (caller, callee):
                listener.client.disconnect()
        assert wait_until(lambda: clients() == [0, 0], 10)
    assert holders == {0, 1}


def test_each_client_address_is_counted_as_its_own(proxied):
    """Every connection reaches the apps from nginx's 127.0.0.1; the limit still
    counts the addresses nginx saw, which a client cannot forge."""

    def handshake(source, headers=None):
        return http_get(proxied.url, HANDSHAKE, source=source, headers=headers)

    replies = [handshake("127.0.0.2") for _ in range(PER_ADDRESS + 1)]
    assert [status for status, _ in replies] == [200] * PER_ADDRESS + [401]
    assert json.loads(replies[-1][1])["code"] == "too-many-connections"
    # Another client behind the same proxy still connects, even claiming to be the first.
    assert handshake("127.0.0.3")[0] == 200
    assert handshake("127.0.0.4", {"X-Forwarded-For": "127.0.0.2"})[0] == 200
    # And the first cannot pose as someone else.
    assert handshake("127.0.0.2", {"X-Forwarded-For": "127.0.0.9"})[0] == 401
