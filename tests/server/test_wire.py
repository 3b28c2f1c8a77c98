"""Raw packets against the real server (eventlet, a subprocess), over both Engine.IO
transports: input no browser would send is refused with a clear error, or cuts off
only its own connection."""

import base64
import json
import os
import socket
import struct
import urllib.request

import pytest

from tests.harness.server import running_server


class RawSocketIO:
    """Just enough WebSocket to send frames a real client library would refuse to."""

    def __init__(self, url):
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        assert response.startswith(b"HTTP/1.1 101"), response
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        assert self.receive().startswith("0{")  # Engine.IO open
        self.send_text(b"40/signal,")
        assert self.receive().startswith("40/signal,")

    def send_text(self, payload, opcode=0x1):
        mask = os.urandom(4)
        length = len(payload)
        header = bytes([0x80 | opcode])
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def receive(self):
        """The next text frame; ConnectionError once the server closes."""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("closed by the server")
            if payload == b"2":  # Engine.IO ping
                self.send_text(b"3")
                continue
            return payload.decode()

    def event(self, name, *args):
        self.send_text(f"42/signal,{json.dumps([name, *args])}".encode())


class RawPolling:
    """Engine.IO's HTTP long-polling by hand: a POST carries packets, a GET returns them."""

    SEPARATOR = "\x1e"  # between packets in one HTTP body

    def __init__(self, url):
        handshake = f"{url}/socket.io/?EIO=4&transport=polling"
        opened = self._request(handshake)
        assert opened.startswith("0{"), opened  # Engine.IO open
        self.url = f"{handshake}&sid={json.loads(opened[1:])['sid']}"
        self.pending = []
        self.send_text(b"40/signal,")
        assert self.receive().startswith("40/signal,")

    def _request(self, url, data=None):
        headers = {"Content-Type": "text/plain;charset=UTF-8"}
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=30) as response:
            return response.read().decode()

    def send_text(self, payload):
        assert self._request(self.url, payload) == "OK"

    def receive(self):
        while not self.pending:
            self.pending = self._request(self.url).split(self.SEPARATOR)
        packet = self.pending.pop(0)
        if packet == "2":  # Engine.IO ping
            self.send_text(b"3")
            return self.receive()
        return packet

    def event(self, name, *args):
        self.send_text(f"42/signal,{json.dumps([name, *args])}".encode())


TRANSPORTS = {"websocket": RawSocketIO, "polling": RawPolling}


@pytest.fixture(scope="module")
def server():
    with running_server("eventlet") as url:
        yield url


def error_of(frame):
    assert frame.startswith('42/signal,["error",'), frame
    return json.loads(frame.removeprefix("42/signal,"))[1]["code"]


@pytest.mark.parametrize(
    "packet",
    [
        b'42/signal,["signal",' + b"[" * 5000 + b"]" * 5000 + b"]",
        b'42/signal,["signal",{"type":"offer","sdp":' + b"9" * 150 + b"}]",
        b'42/signal,["signal",{"type":',
    ],
    ids=["nested 5,000 deep", "150-digit number", "broken JSON"],
)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unreadable_json_gets_a_clear_error_and_the_socket_lives_on(server, packet, transport):
    client = TRANSPORTS[transport](server)
    client.send_text(packet)
    assert error_of(client.receive()) == "unreadable"
    client.event("signal", {"type": "bye"})
    assert error_of(client.receive()) == "not-in-room"  # still connected, still answered


@pytest.mark.parametrize(
    "frame",
    [b'42/signal,["signal","\xff\xfe"]', b"42/signal," + b'["x","' + b"a" * 200_000 + b'"]'],
    ids=["invalid UTF-8", "over 128 KiB"],
)
def test_frames_that_break_the_rules_close_only_that_connection(server, frame):
    bystander = RawSocketIO(server)
    offender = RawSocketIO(server)
    offender.send_text(frame)
    with pytest.raises(ConnectionError):
        offender.receive()
    bystander.event("signal", {"type": "bye"})
    assert error_of(bystander.receive()) == "not-in-room"
