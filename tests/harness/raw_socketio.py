"""Socket.IO spoken by hand, over each Engine.IO transport: enough to send packets
that a real client library would refuse to send."""

import base64
import http.client
import json
import os
import socket
import struct
import urllib.request
import zlib

from serving.websocket_mask import apply_mask


class RawSocketIO:
    """Just enough WebSocket to send frames a real client library would refuse to."""

    def __init__(self, url, source=None, headers=None, receive_buffer=None, extensions=None, timeout=5):
        """source: the client's address (any of 127/8 on loopback); headers: more
        handshake headers, or other values for Host. receive_buffer: a small one stands
        for a client that stops reading. extensions: a Sec-WebSocket-Extensions offer;
        `accepted_extensions` is the answer. timeout: seconds, for each read and write."""
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        if receive_buffer:  # before connecting, so that the window is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = {"Host": f"{host}:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
                 "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13",
                 **({"Sec-WebSocket-Extensions": extensions} if extensions else {}), **(headers or {})}
        self.sock.sendall(
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in lines.items()).encode() + b"\r\n"
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        assert response.startswith(b"HTTP/1.1 101"), response
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        self.accepted_extensions = [
            line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-extensions:")
        ]
        self.inflater = zlib.decompressobj(-15)  # for the server's frames, if it agreed to deflate
        assert self.receive().startswith("0{")  # Engine.IO open
        self.send_text(b"40/signal,")
        assert self.receive().startswith("40/signal,")

    def send_text(self, payload, opcode=0x1):
        self.sock.sendall(websocket_frame(payload, opcode))

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
            if first & 0x40 and self.accepted_extensions:  # deflated
                payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("closed by the server")
            if payload == b"2":  # Engine.IO ping
                self.send_text(b"3")
                continue
            return payload.decode()

    def event(self, name, *args):
        self.send_text(f"42/signal,{json.dumps([name, *args])}".encode())

    def call(self, ack_id, name, *args):
        """An event the server acknowledges; return the acknowledgement's argument."""
        self.send_text(f"42/signal,{ack_id}{json.dumps([name, *args])}".encode())
        reply = self.receive()
        assert reply.startswith(f"43/signal,{ack_id}["), reply
        return json.loads(reply.removeprefix(f"43/signal,{ack_id}"))[0]

    def close(self):
        self.sock.close()

    def reenter(self):
        """Leave the namespace and enter it again, on the same connection."""
        self.send_text(b"41/signal,")
        self.send_text(b"40/signal,")
        assert self.receive().startswith("40/signal,")


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


def http_get(url, path, source=None, headers=None):
    """(status, body text) of one GET from this client address, with these headers."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def refused_websocket(url, source=None, headers=None):
    """(status, body text) of a WebSocket handshake that the server should refuse
    (one it accepts times out here instead)."""
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode()}
    return http_get(url, "/socket.io/?EIO=4&transport=websocket", source, {**upgrade, **(headers or {})})


def websocket_frame(payload, opcode=0x1, fin=True, compressed=False):
    """One masked WebSocket frame, as a client sends it: any opcode, a fragment
    (fin=False), or marked as deflated (the RSV1 bit)."""
    mask = os.urandom(4)
    length = len(payload)
    header = bytes([(0x80 if fin else 0) | (0x40 if compressed else 0) | opcode])
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    return header + mask + apply_mask(payload, mask)


def error_code(frame):
    """The code of an `error` event frame from /signal."""
    assert frame.startswith('42/signal,["error",'), frame
    return json.loads(frame.removeprefix("42/signal,"))[1]["code"]
