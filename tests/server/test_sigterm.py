"""SIGTERM, as a process manager or a rolling restart sends it: the server stops
accepting at once, sends its Socket.IO clients away (they reconnect by themselves,
here to the same port once a new server listens there), tells no one that a peer
left, and exits with 0 within its grace period. Under each async mode."""

import queue
import signal
import socket
import ssl
import time
import uuid

import pytest
import socketio

import serving
from serving.graceful import GRACE_SECONDS
from signaling import NAMESPACE
from tests.harness.raw_socketio import RawSocketIO
from tests.harness.resources import listens, wait_until
from tests.harness.server import server_process

WAIT = 10  # seconds: a generous bound for anything on loopback
REFUSED_WITHIN = 1.0  # seconds after SIGTERM: new connections are refused
EXIT_SECONDS = 3  # for the interpreter to exit after the grace period, on a busy machine
TRANSPORTS = {"websocket": ["websocket"], "polling": ["polling"]}
CROWD = 20  # clients that reconnect to a restarting server before it takes its first connection


class Member:
    """A python-socketio client that reconnects as browsers do, and notes what happens."""

    def __init__(self, url, transports):
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5)
        self.events = queue.Queue()
        for event in ("connect", "disconnect", "peer-joined", "peer-left"):
            self.client.on(event, self._note(event), namespace=NAMESPACE)
        self.client.connect(url, namespaces=[NAMESPACE], transports=transports, wait_timeout=WAIT)
        self.events.get(timeout=WAIT)  # its first connect

    def _note(self, event):
        return lambda *args: self.events.put(event)

    def join(self, room):
        return self.client.call("join", {"room": room}, namespace=NAMESPACE, timeout=WAIT)

    def next_event(self):
        return self.events.get(timeout=WAIT)

    def events_left(self):
        left = []
        while not self.events.empty():
            left.append(self.events.get())
        return left


def refuses_connections(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        # Caught in the listener's queue as it closed (gevent closes it): the kernel
        # resets those. Not served, but not yet the refusal asked for: ask again.
        return False
    return False


def expect_clean_exit(server, signalled):
    """It exits by itself with 0, within its grace period, saying so and with no
    traceback; returns how long after SIGTERM it stopped."""
    code = server.process.wait(timeout=GRACE_SECONDS + WAIT)
    stopped_after = time.monotonic() - signalled
    log = server.output()
    assert code == 0, log
    assert stopped_after < GRACE_SECONDS + EXIT_SECONDS, f"stopped {stopped_after:.1f} s after SIGTERM"
    assert "Stopped." in log and "Traceback" not in log, log
    return stopped_after


@pytest.mark.parametrize("transports", TRANSPORTS.values(), ids=TRANSPORTS.keys())
@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_sigterm_sends_the_clients_away_and_exits(async_mode, transports):
    room = f"sigterm-{uuid.uuid4().hex}"
    with server_process(async_mode) as server:
        caller, callee = Member(server.url, transports), Member(server.url, transports)
        assert caller.join(room)["ok"] and callee.join(room)["ok"]
        assert caller.next_event() == "peer-joined"

        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert wait_until(lambda: refuses_connections(server.port), REFUSED_WITHIN)
        # Both are sent away, and neither is told the other left: their call goes on.
        assert caller.next_event() == "disconnect"
        assert callee.next_event() == "disconnect"
        expect_clean_exit(server, signalled)

    # They reconnect by themselves to whatever listens there next, and join again.
    with server_process(async_mode, port=server.port):
        for member in (caller, callee):
            assert member.next_event() == "connect"
        assert caller.join(room) == {"ok": True, "role": "caller", "peers": 0}
        assert callee.join(room) == {"ok": True, "role": "callee", "peers": 1}
        assert caller.next_event() == "peer-joined"
        assert caller.events_left() == callee.events_left() == []  # no peer-left, ever
        for member in (caller, callee):
            member.client.disconnect()


@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_sigterm_does_not_wait_for_clients_that_hung_up(async_mode):
    """Pairs in rooms that hung up without a goodbye, each leaving its peer a
    `peer-left` that can never go out: the stop has no one to wait for, and
    must not sit out its grace period (it did, under threading)."""
    with server_process(async_mode) as server:
        pairs = [(RawSocketIO(server.url), RawSocketIO(server.url)) for _ in range(4)]
        for pair in pairs:
            room = f"hung-up-{uuid.uuid4().hex}"
            assert all(member.call(1, "join", {"room": room})["ok"] for member in pair)
        for pair in pairs:
            for member in pair:
                member.sock.close()
        assert wait_until(lambda: server.clients() == 0, WAIT)

        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        stopped_after = expect_clean_exit(server, signalled)
        assert stopped_after < GRACE_SECONDS - 1, f"stopped {stopped_after:.1f} s after SIGTERM"


@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_a_crowd_that_reached_a_restarting_server_before_it_took_anyone_is_served(async_mode):
    """Clients reconnecting to a restarting server are queued by the kernel from the
    moment it listens: it then takes them all at once, and must answer each. (Under
    eventlet and gevent it once deadlocked on them: a lock made before monkey-patching
    was held while the first request started a green thread, and the second waited
    for it with the whole process.) Paused while the crowd queues up, it meets them
    exactly that way."""
    with server_process(async_mode, wait=False) as server:
        assert wait_until(lambda: listens(server.port) or server.process.poll() is not None, WAIT)
        server.process.send_signal(signal.SIGSTOP)
        try:
            crowd = [socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) for _ in range(CROWD)]
            for client in crowd:
                client.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        finally:
            server.process.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + WAIT
        answers = [status_line(client, deadline) for client in crowd]
        assert answers == ["HTTP/1.1 200 OK"] * CROWD, server.output()


def status_line(client, deadline):
    client.settimeout(max(0.01, deadline - time.monotonic()))
    with client, client.makefile("rb") as reply:
        try:
            return reply.readline().decode().strip()
        except TimeoutError:
            return f"no answer within {WAIT} s"


@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_sigterm_stops_a_server_on_https_too(async_mode, tmp_path):
    """Over TLS the listener is another socket object (eventlet's TLS socket takes the
    plain one's descriptor over); it too stops listening at once, and the process
    exits with 0, rather than being killed once its stop timed out."""
    with server_process(async_mode, extra_args=("--https", "--instance-path", str(tmp_path))) as server:
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert wait_until(lambda: refuses_connections(server.port), REFUSED_WITHIN)
        expect_clean_exit(server, signalled)


@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_sigterm_with_idle_tls_connections_open_exits_cleanly(async_mode, tmp_path):
    """A browser keeps its HTTPS connections open between requests. At the stop
    eventlet shuts such an idle connection down, and its TLS socket, unwrapped,
    made the read waiting on it raise a ValueError: a traceback in the log
    (a port check that connected at that moment did it once in CI)."""
    with server_process(async_mode, extra_args=("--https", "--instance-path", str(tmp_path))) as server:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        idle = [context.wrap_socket(socket.create_connection(("127.0.0.1", server.port))) for _ in range(3)]
        # Each asks for nothing more once served, as a browser's keep-alive connection.
        for connection in idle:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert connection.recv(4096).startswith(b"HTTP/1.1 200")
        handshaken_only = context.wrap_socket(socket.create_connection(("127.0.0.1", server.port)))
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        expect_clean_exit(server, signalled)
        for connection in [*idle, handshaken_only]:
            connection.close()
