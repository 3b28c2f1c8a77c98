"""Raw packets against the real server (eventlet, a subprocess), over both Engine.IO
transports: input no browser would send is refused with a clear error, or cuts off
only its own connection."""


import pytest

from tests.harness.raw_socketio import RawPolling, RawSocketIO, error_code
from tests.harness.server import running_server

TRANSPORTS = {"websocket": RawSocketIO, "polling": RawPolling}


@pytest.fixture(scope="module")
def server():
    with running_server("eventlet") as url:
        yield url


@pytest.mark.parametrize(
    ("packet", "code"),
    [
        # 5,000 values, more than any message holds: refused before json.loads tries
        (b'42/signal,["signal",' + b"[" * 5000 + b"]" * 5000 + b"]", "too-large"),
        (b'42/signal,["signal",{"type":"offer","sdp":' + b"9" * 150 + b"}]", "unreadable"),
        (b'42/signal,["signal",{"type":', "unreadable"),
    ],
    ids=["nested 5,000 deep", "150-digit number", "broken JSON"],
)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unreadable_json_gets_a_clear_error_and_the_socket_lives_on(server, packet, code, transport):
    client = TRANSPORTS[transport](server)
    client.send_text(packet)
    assert error_code(client.receive()) == code
    client.event("signal", {"type": "bye"})
    assert error_code(client.receive()) == "not-in-room"  # still connected, still answered


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
    assert error_code(bystander.receive()) == "not-in-room"
