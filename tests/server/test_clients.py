"""Standard Socket.IO clients speak to the real server with their default options.

The official clients start on HTTP long-polling and then upgrade to WebSocket.
Each client here joins a room, relays an offer to the other member, and leaves,
under each async mode the server runs in (a subprocess, as a learner starts it).
"""

import time
import uuid

import pytest

from signaling import NAMESPACE
from tests.harness.raw_socketio import RawSocketIO
from tests.harness.signal_client import OFFER
from tests.harness.socketio_client import WAIT, Listener

# None: the client's default (polling first, then the upgrade).
TRANSPORTS = {"default": None, "polling only": ["polling"], "websocket only": ["websocket"]}


@pytest.fixture
def connect(server):
    """connect(transports) -> a Listener connected to /signal; all disconnect at the end."""
    opened = []

    def connect(transports):
        listener = Listener(transports).connect(server.url)
        opened.append(listener)
        return listener

    yield connect
    for listener in opened:
        listener.client.disconnect()


def wait_for_websocket(client):
    """The upgrade happens in the background after connecting; wait for it to finish."""
    deadline = time.monotonic() + WAIT
    while client.transport() != "websocket":
        assert time.monotonic() < deadline, f"still on {client.transport()} after {WAIT} s"
        time.sleep(0.02)


@pytest.mark.parametrize("transports", TRANSPORTS.values(), ids=TRANSPORTS.keys())
def test_a_client_joins_relays_and_leaves(connect, transports):
    caller, callee = connect(transports), connect(transports)
    room = f"clients-{uuid.uuid4().hex}"

    assert caller.call("join", {"room": room}) == {"ok": True, "role": "caller", "peers": 0}
    assert callee.call("join", {"room": room}) == {"ok": True, "role": "callee", "peers": 1}
    assert caller.next_event() == ("peer-joined", [{}])

    callee.client.emit("signal", OFFER, namespace=NAMESPACE)
    assert caller.next_event() == ("signal", [OFFER])

    assert callee.call("leave") == {"ok": True}
    assert caller.next_event() == ("peer-left", [{}])
    assert caller.events.empty() and callee.events.empty()  # nothing else, to either side


def test_the_default_client_upgrades_to_websocket_and_keeps_relaying(connect):
    caller, callee = connect(None), connect(None)
    for listener in (caller, callee):
        wait_for_websocket(listener.client)

    room = f"upgraded-{uuid.uuid4().hex}"
    assert caller.call("join", {"room": room})["ok"]
    assert callee.call("join", {"room": room})["ok"]
    assert caller.next_event() == ("peer-joined", [{}])
    callee.client.emit("signal", OFFER, namespace=NAMESPACE)
    assert caller.next_event() == ("signal", [OFFER])


def test_the_connection_ends_with_its_websocket(server):
    """A client that says goodbye (Engine.IO's close, then WebSocket's closing frame)
    sees the server's closing frame and then the end of the TCP connection, nothing
    else. Kept open for another HTTP request, the connection left python-socketio's
    disconnect waiting 3 s for the end of the close handshake."""
    raw = RawSocketIO(server.url)
    raw.send_text(b"1")  # Engine.IO: close
    raw.send_text(b"\x03\xe8", opcode=0x8)  # WebSocket: close, 1000 (normal)
    with pytest.raises(ConnectionError, match="closed by the server"):
        raw.receive()
    raw.sock.settimeout(WAIT)
    rest = raw.buffer
    while chunk := raw.sock.recv(65536):
        rest += chunk
    assert rest == b"", f"after its closing frame the server sent {rest[:80]!r}"
