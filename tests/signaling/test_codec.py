"""The Socket.IO packet codec: JSON the server cannot read becomes an event it refuses."""

import engineio.packet
import pytest
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


@pytest.mark.parametrize(
    "encoded",
    ['2/signal,' + "1" * 101 + '["signal",{}]', '7/signal,["x"]', '9/signal,', 'x/signal,', '2/signal,{"a":1}',
     '2/signal,[]', '59999999-/signal,["signal",{"_placeholder":true,"num":0}]'],
    ids=["101-digit ack id", "type 7", "type 9", "type x", "not a list", "empty event", "9,999,999 attachments"],
)
def test_a_packet_no_library_sends_is_the_unreadable_event_in_its_namespace(encoded):
    packet = SignalingPacket(encoded_packet=encoded)
    assert (packet.packet_type, packet.namespace, packet.data, packet.attachment_count) == (
        2, "/signal", [UNREADABLE], 0)


def test_a_few_attachments_still_reach_the_namespace_which_refuses_binary_in_words():
    packet = SignalingPacket(encoded_packet='51-/signal,["signal",{"_placeholder":true,"num":0}]')
    assert (packet.packet_type, packet.attachment_count) == (5, 1)
