"""A real TURN server for the tests (Debian's coturn), and the few STUN/TURN
requests (RFC 5389, RFC 5766) that ask it whether it takes a credential."""

import contextlib
import hashlib
import hmac
import os
import shutil
import socket
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .server import free_port, read_log, stop_process, wait_until_started

MAGIC_COOKIE = 0x2112A442
BINDING, ALLOCATE = 0x0001, 0x0003
SUCCESS, ERROR = 0x0100, 0x0110  # added to a method's type: its responses
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, REALM, NONCE, REQUESTED_TRANSPORT = 0x06, 0x08, 0x09, 0x14, 0x15, 0x19
UDP = 17


def turnserver():
    """The path of coturn's turnserver, or None."""
    return shutil.which("turnserver")


@dataclass(frozen=True)
class TurnServer:
    process: subprocess.Popen
    port: int
    secret: str
    realm: str
    log: Path

    @property
    def url(self):
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def output(self):
        return read_log(self.log)


@contextlib.contextmanager
def coturn(secret=None, timeout=10):
    """Yield a TurnServer on a free loopback port, with coturn's use-auth-secret
    (short-term credentials) and a random secret unless one is given; stop it
    (its own PID only) after the block."""
    port = free_port()
    secret = secret or os.urandom(16).hex()
    realm = "tests.webrtc-tutorial"
    command = [
        turnserver(), "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
        "--min-port=49200", "--max-port=49400", f"--realm={realm}", "--fingerprint", "--no-tls", "--no-dtls",
        "--no-cli", "--allow-loopback-peers", "--simple-log", "--log-file=stdout",
        "--use-auth-secret", f"--static-auth-secret={secret}",
    ]
    with tempfile.TemporaryDirectory() as folder:
        # Its own pid file and (empty) user database, not the system's.
        command += [f"--pidfile={folder}/turnserver.pid", f"--db={folder}/turndb"]
        log = Path(folder) / "turnserver.log"
        with open(log, "ab") as output:
            process = subprocess.Popen(command, cwd=folder, stdout=output, stderr=subprocess.STDOUT)
        server = TurnServer(process, port, secret, realm, log)
        try:
            wait_until_started(f"turnserver on port {port}", process, lambda: _answers(port), timeout, server.output)
            yield server
        finally:
            stop_process(process)


def _answers(port):
    """Whether coturn answers a STUN binding request."""
    with contextlib.suppress(OSError):
        return request(port, message(BINDING), timeout=0.2)[0] == BINDING + SUCCESS
    return False


# ---- STUN messages -----------------------------------------------------------------


def attribute(kind, value):
    padding = b"\0" * (-len(value) % 4)
    return struct.pack("!HH", kind, len(value)) + value + padding


def message(kind, attributes=b"", key=None, transaction=None):
    """A STUN message; with key, signed with MESSAGE-INTEGRITY (HMAC-SHA1 over
    the message whose length already counts the integrity attribute)."""
    transaction = transaction or os.urandom(12)
    if key is None:
        return struct.pack("!HHI", kind, len(attributes), MAGIC_COOKIE) + transaction + attributes
    header = struct.pack("!HHI", kind, len(attributes) + 24, MAGIC_COOKIE) + transaction
    integrity = hmac.new(key, header + attributes, hashlib.sha1).digest()
    return header + attributes + attribute(MESSAGE_INTEGRITY, integrity)


def parse(data):
    """(message type, {attribute type: value})"""
    kind, length = struct.unpack("!HH", data[:4])
    attributes, offset = {}, 20
    while offset < 20 + length:
        attr, size = struct.unpack("!HH", data[offset:offset + 4])
        attributes.setdefault(attr, data[offset + 4:offset + 4 + size])
        offset += 4 + size + (-size % 4)
    return kind, attributes


def request(port, data, timeout=2.0, udp=None):
    """Send one message and read the answer, on `udp` or a socket of its own."""
    with contextlib.ExitStack() as stack:
        if udp is None:
            udp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        udp.settimeout(timeout)
        udp.sendto(data, ("127.0.0.1", port))
        return parse(udp.recv(2048))


def error_code(attributes):
    value = attributes.get(ERROR_CODE)
    return None if value is None else (value[2] & 7) * 100 + value[3]


def allocate(port, username, password):
    """Ask the TURN server for a UDP relay with this username and password, as a
    browser does: first unauthenticated (the server answers 401 with its realm
    and a nonce), then signed with the long-term key MD5(username:realm:password).
    Returns None when the server allocated a relay, else its error code."""
    transport = attribute(REQUESTED_TRANSPORT, bytes([UDP, 0, 0, 0]))
    # One socket for both: the server's nonce belongs to this client's address and port.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        kind, challenge = request(port, message(ALLOCATE, transport), udp=udp)
        if error_code(challenge) != 401:
            return error_code(challenge)
        realm, nonce = challenge[REALM], challenge[NONCE]
        key = hashlib.md5(b":".join([username.encode(), realm, password.encode()])).digest()
        signed = transport + attribute(USERNAME, username.encode()) + attribute(REALM, realm) + attribute(NONCE, nonce)
        kind, answer = request(port, message(ALLOCATE, signed, key), udp=udp)
    return None if kind == ALLOCATE + SUCCESS else error_code(answer)
