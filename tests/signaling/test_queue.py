"""The message queue (signaling/queue.py) against a real Redis: its listener is
listening again within a second or so of Redis being back, however long Redis was
away (python-socketio's own waited twice as long after each failure, up to 60 s);
messages go out in batches, in order, and a process skips its own; a relayed
object crosses as its text; a message Redis refused is reported."""

import json
import logging
import subprocess
import sys
import threading
import time

import pytest
import socketio
from hypothesis import given
from hypothesis import strategies as st
from socketio import packet as sio_packet

from signaling import queue
from signaling.codec import ArrivedObject, RelayedText, SignalingPacket
from tests.harness.resources import wait_until
from tests.harness.server import ROOT, stop_process

# The listener alone, in a process of its own, printing what it receives.
LISTENER = """
import sys
from signaling import queue
for message in queue.manager(sys.argv[1])._listen():
    print(message.decode(), flush=True)
"""
OUTAGE = 8  # seconds: python-socketio's listener would next try 7 s after Redis is back


def subscribers(redis):
    return redis.client().pubsub_numsub(queue.CHANNEL)[0][1]


def test_the_listener_is_back_within_seconds_of_redis(redis, tmp_path):
    output = tmp_path / "listener.out"
    with open(output, "wb") as out:
        listener = subprocess.Popen([sys.executable, "-c", LISTENER, redis.url], cwd=ROOT, stdout=out,
                                    stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: subscribers(redis) == 1, 10)
        redis.stop()
        time.sleep(OUTAGE)  # the outage itself: the listener fails to connect again and again
        redis.start()
        back = time.monotonic()
        assert wait_until(lambda: subscribers(redis) == 1, 4)
        print(f"listening again {time.monotonic() - back:.1f} s after Redis was back")
        redis.client().publish(queue.CHANNEL, "after the outage")
        assert wait_until(lambda: "after the outage" in output.read_text(), 5), output.read_text()
    finally:
        stop_process(listener)


def collect(listener):
    """What listener._listen() yields, gathered by a thread of its own."""
    received = []
    threading.Thread(target=lambda: received.extend(listener._listen()), daemon=True).start()
    assert wait_until(lambda: listener.pubsub is not None and listener.pubsub.subscribed, 5)
    return received


def started(url):
    """A manager started as the app starts it, on a threading Socket.IO server of its own."""
    manager = queue.manager(url)
    assert manager.start_listening(socketio.Server(client_manager=manager, async_mode="threading"), timeout=5)
    return manager


def emit(n, sender="s1"):
    """python-socketio's message for an emit of a signal to a room, skipping its sender."""
    return {"method": "emit", "event": "signal", "data": [{"n": n}], "namespace": "/signal",
            "room": "room:r", "skip_sid": sender, "callback": None, "host_id": "h"}


def batch(host, *messages, texts=b""):
    """A batch as another process publishes it: the messages, a newline, the relayed texts."""
    return queue.BATCH + host + b":" + json.dumps(messages).encode() + b"\n" + texts


def test_a_process_skips_its_own_batches_and_broken_ones_and_reads_the_others_and_single_messages(redis):
    listener = queue.manager(redis.url)
    received = collect(listener)
    client = redis.client()
    client.publish(queue.CHANNEL, batch(listener.host_id.encode(), emit(0)))
    client.publish(queue.CHANNEL, batch(b"another", emit(1), emit(2)))
    client.publish(queue.CHANNEL, json.dumps(emit(3)))  # as python-socketio publishes, one at a time
    relayed = {**emit(9), "data": None, queue.TEXT_LENGTH: 4}
    for broken in (queue.BATCH + b"no colon", queue.BATCH + b"another:[{\n",
                   queue.BATCH + b"another:" + json.dumps([emit(1)]).encode(),  # no newline
                   queue.BATCH + b'another:{"not": "a list"}\n', batch(b"another", "not a message"),
                   batch(b"another", emit(1), texts=b"\xff"),
                   batch(b"another", relayed, texts=b"{}"), batch(b"another", relayed, texts=b"{}{}{}"),
                   batch(b"another", {**relayed, queue.TEXT_LENGTH: 1}, texts=b"\xff"),
                   batch(b"another", {**relayed, queue.TEXT_LENGTH: -1}, texts=b"{}"),
                   batch(b"another", {**relayed, queue.TEXT_LENGTH: "2"}, texts=b"{}"),
                   batch(b"another", {**relayed, queue.TEXT_LENGTH: True}, texts=b"{"),
                   batch(b"another", {**relayed, queue.TEXT_LENGTH: 0}),  # no object's text is empty
                   queue.BATCH + b"another:" + b"[" * 100_000 + b"\n"):  # nested too deep for json.loads
        client.publish(queue.CHANNEL, broken)  # skipped; the listener goes on
    client.publish(queue.CHANNEL, batch(b"another", emit(4)))
    assert wait_until(lambda: len(received) == 4, 5), received
    assert received == [emit(1), emit(2), json.dumps(emit(3)).encode(), emit(4)]


def test_a_relayed_object_crosses_as_the_text_its_sender_sent(redis):
    """Not encoded, decoded and encoded again on its way (25 µs of a 5 KB relay's CPU):
    the peer's process gets the sender's own text, spacing, escapes and all, and sends
    it on as it is; other messages in the same batches cross as JSON, in order."""
    received = collect(queue.manager(redis.url))
    sender = started(redis.url)
    texts = [f'{{ "type": "offer", "n": {n}, "sdp": "v=0\\r\\né, 中文 {"x" * n}" }}' for n in range(0, 60, 3)]
    for n, text in enumerate(texts):
        sender._publish({**emit(n), "data": [ArrivedObject(json.loads(text), text)]})
        sender._publish(emit(100 + n))
    assert sender.flush()
    assert wait_until(lambda: len(received) == 2 * len(texts), 5), len(received)
    relayed, others = received[::2], received[1::2]
    assert [type(message["data"][0]) for message in relayed] == [RelayedText] * len(texts)
    assert [message["data"][0].text for message in relayed] == texts
    assert [{**message, "data": None} for message in relayed] == [{**emit(n), "data": None} for n in range(len(texts))]
    assert others == [emit(100 + n) for n in range(len(texts))]
    packet = SignalingPacket(sio_packet.EVENT, data=["signal", relayed[1]["data"][0]], namespace="/signal")
    assert packet.encode() == f'2/signal,["signal",{texts[1]}]'


# JSON as a client may send it: any text but lone surrogates, which no UTF-8 frame can carry.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=12)


@st.composite
def sent_messages(draw):
    """An emit whose object arrived as some text (relayed), or one made here; with that text or None."""
    message, value = emit(draw(st.integers(0, 10**6))), draw(st.dictionaries(TEXT, VALUES, max_size=4))
    if not draw(st.booleans()):
        return {**message, "data": [value]}, None
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
    return {**message, "data": [ArrivedObject(value, text)]}, text


@given(st.lists(sent_messages(), max_size=8))
def test_any_batch_reads_back_as_it_was_written(sent):
    entries = [queue.batch_entry(message, json.dumps) for message, _ in sent]
    received = queue.batch_messages(queue.batch_payload(queue.BATCH + b"another:", entries))
    assert len(received) == len(sent)
    for got, (message, text) in zip(received, sent, strict=True):
        if text is None:
            assert got == json.loads(json.dumps(message))
        else:
            assert type(got["data"][0]) is RelayedText and got["data"][0].text == text
            assert {**got, "data": None} == {**message, "data": None}


def test_a_text_that_cannot_cross_fails_in_its_sender_s_handler_not_in_a_batch():
    """A lone surrogate has no UTF-8; no frame can carry one, but were a handler to relay
    it, the error is the handler's (and its client's), not a whole batch's."""
    arrived = ArrivedObject({"sdp": "\ud800"}, '{"sdp": "\ud800"}')
    with pytest.raises(UnicodeEncodeError):
        queue.batch_entry({**emit(0), "data": [arrived]}, json.dumps)


def test_an_object_changed_after_it_arrived_crosses_as_its_values(redis):
    received = collect(queue.manager(redis.url))
    sender = started(redis.url)
    arrived = ArrivedObject({"type": "offer", "sdp": "v=0"}, '{"type": "offer", "sdp": "v=0"}')
    arrived["sdp"] = "v=1"
    sender._publish({**emit(0), "data": [arrived]})
    assert sender.flush()
    assert wait_until(lambda: received, 5)
    assert received == [{**emit(0), "data": [{"type": "offer", "sdp": "v=1"}]}]


def test_messages_published_in_a_rush_go_in_batches_and_arrive_in_order(redis):
    received = collect(queue.manager(redis.url))
    batches = redis.client().pubsub()
    batches.subscribe(queue.CHANNEL)
    sender = started(redis.url)
    for n in range(300):
        sender._publish(emit(n))  # what each emit through the queue calls
    assert sender.flush()
    assert wait_until(lambda: len(received) == 300, 5), len(received)
    assert [message["data"][0]["n"] for message in received] == list(range(300))
    published = 0
    while (message := batches.get_message(timeout=0.5)) is not None:
        published += message["type"] == "message"
    print(f"300 messages in {published} batches")
    assert 1 <= published < 300


@pytest.mark.parametrize("relayed", [False, True], ids=["encoded", "relayed as text"])
def test_a_batch_of_large_messages_stops_growing_at_its_byte_bound(redis, relayed):
    received = collect(queue.manager(redis.url))
    batches = redis.client().pubsub()
    batches.subscribe(queue.CHANNEL)
    sender, large = started(redis.url), "x" * 100_000
    for n in range(20):
        value = {"n": n, "sdp": large}
        sender._publish({**emit(n), "data": [ArrivedObject(value, json.dumps(value)) if relayed else value]})
    assert sender.flush()
    assert wait_until(lambda: len(received) == 20, 5), len(received)
    values = [json.loads(m["data"][0].text) if relayed else m["data"][0] for m in received]
    assert [value["n"] for value in values] == list(range(20))
    sizes = []
    while (message := batches.get_message(timeout=0.5)) is not None:
        if message["type"] == "message":
            sizes.append(len(message["data"]))
    assert len(sizes) >= 20 * 100_000 // (queue.BATCH_BYTES + 100_300)
    assert max(sizes) < queue.BATCH_BYTES + 100_300, sizes  # the bound, then one message past it


def test_a_message_redis_refused_is_reported_with_the_signal_it_carried_and_its_sender(redis):
    sender, undelivered = started(redis.url), []
    sender.undelivered = lambda event, who: undelivered.append((event, who))
    redis.stop()
    try:
        sender._publish(emit(0, sender="s7"))
        sender._publish({"method": "disconnect", "sid": "s8", "namespace": "/signal", "host_id": "h"})
        assert sender.flush(timeout=10)
        assert undelivered == [("signal", "s7")]  # a disconnect has no sender to tell
    finally:
        redis.start()


def test_a_received_message_is_not_made_into_a_debug_line(redis):
    """redis-py 8.1's RESP3 parser builds a debug line of each pub/sub message, even
    with debug logging off (redis-py issue 4230), at about 1 µs of CPU per 400 bytes.
    With debug logging on, that line shows whether the listener's parser builds one."""
    lines = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: lines.append(record.getMessage())
    library_log = logging.getLogger("push_response")
    library_log.addHandler(handler)
    level = library_log.level
    library_log.setLevel(logging.DEBUG)
    try:
        received = collect(queue.manager(redis.url))
        redis.client().publish(queue.CHANNEL, json.dumps(emit(0)))
        assert wait_until(lambda: received, 5)
        assert [line for line in lines if "flask-socketio" in line] == []
    finally:
        library_log.removeHandler(handler)
        library_log.setLevel(level)
