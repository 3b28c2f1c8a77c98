"""The Socket.IO packet codec: JSON the server cannot read becomes an event it refuses."""

import engineio.packet
from engineio.packet import Packet as EnginePacket

from app import create_app
from signaling.codec import UNREADABLE, ForgivingJSON, SignalingPacket


def test_readable_json_is_decoded_as_usual():
    assert ForgivingJSON.loads('["signal", {"type": "bye"}]') == ["signal", {"type": "bye"}]


def test_unreadable_json_becomes_the_unreadable_event():
    assert ForgivingJSON.loads("[" * 100_000 + "]" * 100_000) == [UNREADABLE]
    assert ForgivingJSON.loads("{") == [UNREADABLE]
    assert ForgivingJSON.loads("[" + "9" * 5000 + "]") == [UNREADABLE]


def test_a_socket_io_packet_with_broken_json_decodes_to_the_unreadable_event():
    packet = SignalingPacket(encoded_packet='2/signal,["signal", {')
    assert (packet.namespace, packet.data) == ("/signal", [UNREADABLE])


def test_engine_io_keeps_its_own_json_so_the_upgrade_probe_stays_a_string():
    """Engine.IO tells "2probe" from JSON by the ValueError its json.loads raises."""
    create_app({"ASYNC_MODE": "threading"})
    probe = EnginePacket(encoded_packet="2probe")
    assert (probe.packet_type, probe.data) == (engineio.packet.PING, "probe")
