"""The Socket.IO packet codec: JSON the server cannot read becomes an event it refuses."""

import json

import engineio.packet
import pytest
from engineio.packet import Packet as EnginePacket
from socketio import packet as sio_packet

from app import create_app
from signaling.codec import TOO_MANY_VALUES, UNREADABLE, ForgivingJSON, RelayedText, SignalingPacket, holds_more_values
from signaling.protocol import MAX_JSON_VALUES


def test_readable_json_is_decoded_as_usual():
    assert ForgivingJSON.loads('["signal", {"type": "bye"}]') == ["signal", {"type": "bye"}]


def test_unreadable_json_becomes_the_unreadable_event():
    assert ForgivingJSON.loads("{") == [UNREADABLE]
    assert ForgivingJSON.loads("[" + "9" * 5000 + "]") == [UNREADABLE]


CANDIDATE = ('["signal",{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 '
             '50000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"abcd"}}]')
OFFER = json.dumps(["signal", {"type": "offer", "sdp": "a=rtpmap:111 opus/48000/2\r\na=group:BUNDLE 0 1\r\n" * 60}])


@pytest.mark.parametrize(
    ("text", "values"),
    [("1", 1), ('"a,b:[{"', 1), ("[]", 1), ("{}", 1), ('{"a": [1, 2.5e3, true, null]}', 7),
     ('["x", "\\"\\\\", {"k": "v"}]', 6), ('["\\\\", "a\\\\\\"b"]', 3), (CANDIDATE, 15), (OFFER, 7),
     ("[" * 200 + "]" * 200, 200), ("[1" + ",1" * 99 + "]", 101)],
    ids=["a number", "separators in a string", "empty array", "empty object", "an object's keys count",
         "escaped quotes", "backslashes before a quote", "a candidate", "an offer", "nested", "a long array"],
)
def test_json_values_are_counted_exactly(text, values):
    assert not holds_more_values(text, values)
    assert holds_more_values(text, values - 1) == (values - 1 >= 0)


def test_more_values_than_any_message_has_are_refused_before_decoding():
    assert ForgivingJSON.loads("[" + "1," * MAX_JSON_VALUES + "1]") == [TOO_MANY_VALUES]
    assert ForgivingJSON.loads("[" + "1," * (MAX_JSON_VALUES - 2) + "1]") == [1] * (MAX_JSON_VALUES - 1)
    assert ForgivingJSON.loads("[" * 100_000 + "]" * 100_000) == [TOO_MANY_VALUES]
    sdp = "a=rtpmap:111 opus/48000/2\r\n" * 2000  # separators inside a string are not values
    assert ForgivingJSON.loads(json.dumps(["signal", {"type": "offer", "sdp": sdp}])) == [
        "signal", {"type": "offer", "sdp": sdp}]


def test_a_client_cannot_send_the_codec_s_refusals_as_event_names():
    for name in (repr(UNREADABLE), repr(TOO_MANY_VALUES), "\x00unreadable", "unreadable"):
        packet = SignalingPacket(encoded_packet="2/signal," + json.dumps([name]))
        assert packet.data == [name]  # an unknown event, not a refusal


def test_broken_json_is_left_to_json_loads():
    assert not holds_more_values('["' + "1," * 100, 10)  # an unterminated string
    assert ForgivingJSON.loads('[1, "' + "1," * 100) == [UNREADABLE]


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


def test_binary_data_no_packet_announced_is_the_unreadable_event_on_signal():
    packet = SignalingPacket(encoded_packet=b"\x00" * 100)
    assert (packet.packet_type, packet.namespace, packet.data) == (2, "/signal", [UNREADABLE])


@pytest.mark.parametrize("empty", ["", b""], ids=["text", "binary"])
def test_an_empty_packet_is_the_unreadable_event_on_signal(empty):
    """python-socketio skipped decoding it and dispatched an event without data: a traceback."""
    packet = SignalingPacket(encoded_packet=empty)
    assert (packet.packet_type, packet.namespace, packet.data, packet.attachment_count) == (
        2, "/signal", [UNREADABLE], 0)


def test_a_few_attachments_still_reach_the_namespace_which_refuses_binary_in_words():
    packet = SignalingPacket(encoded_packet='51-/signal,["signal",{"_placeholder":true,"num":0}]')
    assert (packet.packet_type, packet.attachment_count) == (5, 1)


def relayed(encoded):
    """What the server sends on for a packet it received, when its handler passes the
    event's object on unchanged (as the relay does)."""
    return sent_on(SignalingPacket(encoded_packet=encoded))


def sent_on(arrived):
    """The packet the server makes to send an arrived packet's event on."""
    return SignalingPacket(arrived.packet_type, data=list(arrived.data), namespace=arrived.namespace)


def test_a_relayed_object_goes_out_as_the_text_it_came_in():
    """Not encoded again (a 5 KB offer cost json.dumps 19 µs): the peer gets the
    sender's own text, spacing and escapes included, which holds the same values."""
    text = '{ "type" : "offer",\n "sdp": "v=0\\r\\nc=IN IP4 0.0.0.0\\r\\n\\u0061=x\\r\\n" }'
    out = relayed(f'2/signal,["signal",{text}]').encode()
    assert out == f'2/signal,["signal",{text}]'
    assert json.loads(out[len("2/signal,"):])[1] == {"type": "offer", "sdp": "v=0\r\nc=IN IP4 0.0.0.0\r\na=x\r\n"}


@pytest.mark.parametrize("change", [
    lambda o: o.__setitem__("sdp", "v=1"), lambda o: o.update(sdp="v=1"), lambda o: o.pop("extra"),
    lambda o: o.setdefault("more", 1), lambda o: o.__delitem__("extra"), lambda o: o.popitem(), lambda o: o.clear(),
    lambda o: o.__ior__({"sdp": "v=1"}),
], ids=["set", "update", "pop", "setdefault", "del", "popitem", "clear", "|="])
def test_a_changed_object_goes_out_as_its_values(change):
    packet = relayed('2/signal,["signal",{"type": "offer", "sdp": "v=0", "extra": 1}]')
    change(packet.data[1])
    assert packet.encode() == "2/signal," + json.dumps(["signal", dict(packet.data[1])], separators=(",", ":"))


def test_a_relayed_object_is_not_searched_for_binary_data():
    """Decoded from text, it holds none: python-socketio's walk of every value took
    2.6 of the 5.8 µs a relayed 5 KB offer's packet cost. (Were bytes slipped into
    it, the text still goes out: proof that the values were not walked.)"""
    arrived = SignalingPacket(encoded_packet='2/signal,["signal",{"type":"offer","sdp":"v=0"}]')
    dict.__setitem__(arrived.data[1], "sdp", b"v=0")  # behind the object's back
    packet = sent_on(arrived)
    assert packet.packet_type == sio_packet.EVENT
    assert packet.encode() == '2/signal,["signal",{"type":"offer","sdp":"v=0"}]'


def test_an_object_relayed_from_another_process_goes_out_as_its_text():
    """What the message queue hands over for a relayed signal: its text, sent on as it is."""
    text = '{ "type" : "offer", "sdp": "v=0\\r\\n\\u0061=x" }'
    packet = SignalingPacket(sio_packet.EVENT, data=["signal", RelayedText(text)], namespace="/signal")
    assert packet.packet_type == sio_packet.EVENT
    assert packet.encode() == f'2/signal,["signal",{text}]'


@pytest.mark.parametrize("data", [
    ["signal", RelayedText('{"type":"bye"}'), 1], ["signal", {"inside": RelayedText('{"type":"bye"}')}],
], ids=["not alone", "inside an object"])
def test_an_object_relayed_from_another_process_goes_nowhere_but_as_a_whole_event(data):
    """It has no values here: anywhere but as an event's one object, encoding it fails
    loudly rather than send something else."""
    with pytest.raises(TypeError):
        ForgivingJSON.dumps(data)


def test_a_changed_object_with_bytes_is_sent_as_binary():
    arrived = SignalingPacket(encoded_packet='2/signal,["signal",{"type":"offer","sdp":"v=0"}]')
    arrived.data[1]["sdp"] = b"v=0"
    assert sent_on(arrived).packet_type == sio_packet.BINARY_EVENT


@pytest.mark.parametrize("encoded", [
    '2/signal,["sig\\u006eal",{"type":"bye"}]',  # the name written with an escape
    '2/signal,["signal",{"type":"bye"},1]',  # more than one argument
    '2/signal,["signal",{"type":"bye"} ]',
], ids=["escaped name", "two arguments", "space after"])
def test_other_events_go_out_encoded_from_their_values(encoded):
    arrived = SignalingPacket(encoded_packet=encoded)
    assert relayed(encoded).encode() == "2/signal," + json.dumps(arrived.data, separators=(",", ":"))


def test_json_given_as_bytes_is_decoded_as_usual():
    assert ForgivingJSON.loads(b'["signal",{"type":"bye"}]') == ["signal", {"type": "bye"}]
