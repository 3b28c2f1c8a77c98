"""TCP for every async mode: the listening socket's options, and how a WebSocket's connection ends."""

import socket
import struct
import sys
import time

try:  # Unix only; of the Unixes, Linux alone answers TIOCOUTQ (SIOCOUTQ) for a socket
    import fcntl
    import termios
except ImportError:
    fcntl = termios = None

LISTEN_BACKLOG = 2048  # the usual default is 50 to 128: a classroom joining at once overflows it


def listening_socket(host, port, make_socket):
    """A listener with TCP_NODELAY, which accepted connections inherit: a message
    written in two pieces then never waits for the peer's delayed ACK."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = make_socket(address, family)
    set_nodelay(listener)
    return listener


def set_nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def stop_listening(listener):
    """New connections are refused from now on, and a thread or greenlet blocked in
    accept() wakes with an error. (On Linux, shutting down a listening socket stops
    it listening; the descriptor stays valid for whoever still holds it, unlike
    close(), whose number the next accepted connection could reuse.)"""
    try:
        listener.shutdown(socket.SHUT_RD)
    except OSError:  # elsewhere (BSD, macOS) a listener cannot be shut down
        listener.close()


# How long, at most, a WebSocket's end waits for its client to take what was sent.
LINGER_SECONDS = 2.0
LINGER_CHECK_SECONDS = 0.01  # how often it asks the kernel again while the client is silent


def linger(sock, seconds=LINGER_SECONDS):
    """End a connection in the spirit of nginx's lingering close: stop writing, then
    read and drop what the client still sends until the client has acknowledged all
    that was sent (Linux tells), closes too, or `seconds` pass. Closing a socket
    while data the client sent waits unread resets the connection, and the reset
    throws away what the kernel had not yet sent: a client disconnected for
    flooding, still sending, missed its last refusals and the close packet
    (threading mode, 1 run in 12)."""
    deadline = time.monotonic() + seconds
    try:
        sock.shutdown(socket.SHUT_WR)
        while _unacknowledged(sock) and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(min(left, LINGER_CHECK_SECONDS))
            try:
                if not sock.recv(65536):
                    return  # the client closed too
            except TimeoutError:
                pass
    except OSError:  # the client reset the connection
        pass


def _unacknowledged(sock):
    """Whether some of what was sent on sock is not yet acknowledged; where the
    kernel does not say (not Linux), assume so."""
    if termios is None or sys.platform != "linux":
        return True
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, bytes(4)))[0] > 0  # SIOCOUTQ


def is_websocket(environ):
    """Whether this request was a WebSocket's upgrade. Once the WebSocket has ended,
    its connection must be closed: Werkzeug and gevent kept it open for another HTTP
    request and read the client's closing frame as one, so the client waited for
    the end of the close handshake (python-socketio: 3 s per disconnect)."""
    return environ.get("HTTP_UPGRADE", "").lower() == "websocket"
