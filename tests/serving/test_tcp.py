"""serving/tcp.py's lingering close, on real loopback sockets."""

import socket
import threading
import time

from serving.tcp import LINGER_SECONDS, linger

SENT = 128 * 1024  # far more than the client's receive buffer holds, less than the server's send buffer


def connected_pair():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
        client.connect(listener.getsockname())
        server, _ = listener.accept()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)  # Linux gives at least 2 x 212,992 bytes
    return server, client


def end_while_the_client_still_sends(end):
    """The server sends SENT bytes, then ends the connection with end(sock), while
    data the client sent waits unread. How many bytes the client gets, and how it ends."""
    server, client = connected_pair()
    client.sendall(b"x" * 65536)  # never read by the server's application
    written = threading.Event()

    def serve():
        server.sendall(b"y" * SENT)  # returns once the kernel holds it all, long before the client has it
        written.set()
        end(server)
        server.close()

    thread = threading.Thread(target=serve)
    thread.start()
    assert written.wait(10)
    try:
        return read_to_the_end(client)
    finally:
        client.close()
        thread.join(5)


def read_to_the_end(client):
    """How many bytes the client reads, and how its connection ends."""
    received = 0
    client.settimeout(5)
    try:
        while chunk := client.recv(65536):
            received += len(chunk)
    except ConnectionResetError:
        return received, "reset"
    return received, "end of stream"


def test_a_lingering_close_delivers_everything_sent_to_a_client_that_is_still_sending():
    assert end_while_the_client_still_sends(linger) == (SENT, "end of stream")


def test_a_plain_close_would_have_thrown_it_away():
    """What linger() is for: a server that closes while the client's data waits unread
    resets the connection, and what its kernel had not yet sent is lost. (Closed before
    the client reads anything, so that the client cannot take it all first.)"""
    server, client = connected_pair()
    with client:
        client.sendall(b"x" * 65536)
        server.recv(1, socket.MSG_PEEK)  # the client's data has arrived, unread
        server.sendall(b"y" * SENT)
        server.close()
        received, ending = read_to_the_end(client)
    assert ending == "reset" and received < SENT


def timed_linger(server, seconds=LINGER_SECONDS):
    began = time.monotonic()
    linger(server, seconds)
    return time.monotonic() - began


def test_linger_ends_at_once_when_the_client_has_all_that_was_sent():
    server, client = connected_pair()  # the client neither reads nor closes
    with server, client:
        server.sendall(b"y" * 1000)
        assert timed_linger(server) < 0.25


def test_linger_ends_when_the_client_closes_before_taking_it_all():
    server, client = connected_pair()
    with server, client:
        server.sendall(b"y" * SENT)
        client.close()
        assert timed_linger(server) < 0.25


def test_linger_ends_when_its_time_is_up_if_the_client_never_takes_it():
    server, client = connected_pair()
    with server, client:
        server.sendall(b"y" * SENT)  # the client neither reads nor closes
        assert 0.3 <= timed_linger(server, seconds=0.3) < 1
