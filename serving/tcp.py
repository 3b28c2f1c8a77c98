"""The listening socket's options, shared by every async mode."""

import socket

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


def is_websocket(environ):
    """Whether this request was a WebSocket's upgrade. Once the WebSocket has ended,
    its connection must be closed: Werkzeug and gevent kept it open for another HTTP
    request and read the client's closing frame as one, so the client waited for
    the end of the close handshake (python-socketio: 3 s per disconnect)."""
    return environ.get("HTTP_UPGRADE", "").lower() == "websocket"
