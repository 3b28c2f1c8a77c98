"""The message queue between processes: python-socketio's RedisManager, which
Flask-SocketIO uses for `message_queue=redis://...`, with these changes.

- Its listener waited twice as long after each failure, up to 60 s (seen in
  python-socketio 5.18), so relays from other processes came back up to a minute
  after Redis did. Here it retries every RETRY_SECONDS.
- Its lines go to this package's log, at most one every few seconds while Redis
  is down (store.OUTAGE_LOG), instead of two per message.
- Its Redis client waits for a free connection rather than failing a publish once
  100 are in use (store.pool).
- A message it could not publish was logged and dropped; here the sender of a
  relayed signal is refused with store-unavailable (`undelivered`), as when a join
  cannot reach Redis.
- Its listener started with the process's first client, so a message another
  process published before it had subscribed (the peer-joined for that very
  client) was lost. Here the process starts it itself (start_listening) and
  waits until it has subscribed.
- It published each message with a command of its own, waiting for Redis's
  reply in the sender's handler, and every process, the sender's included,
  received and decoded each one. Here the sender's handler puts the message in
  an outbox and goes on; one task publishes what has gathered there as one
  batch (one command, one message for every process to receive), and a process
  skips its own batches unread. Messages keep their order (one outbox, one
  publisher); a full outbox makes senders wait, as a busy Redis did; a clean
  stop publishes what is left (flush).
- A relayed signal crossed Redis as JSON: encoded into the message, decoded
  from the batch, and encoded again for the peer, 25 µs of the ~80 µs of CPU a
  5 KB relay between processes added (py-spy on both processes at 5,625 msg/s).
  Here it crosses as the text its sender sent, which that process has read and
  checked: the batch carries it beside the JSON, and the peer's process sends it
  on as it is (codec.RelayedText).

redis-py 8.1 speaks RESP3 by default, and its RESP3 parser turns every pub/sub
message into a string for a debug line that is then thrown away (redis-py issue
4230, fixed upstream after 8.1.0): reading a 4 KB message took 23 µs instead of
12. The queue's connections speak RESP2 (PROTOCOL), whose parser does not.
"""

import json
import logging
import threading
import time
from typing import NamedTuple

import redis
import socketio

from . import store
from .codec import RelayedText, arrived_text

RETRY_SECONDS = 1.0
CHANNEL = "flask-socketio"  # Flask-SocketIO's own default
# A batch on the channel: this, the publishing process's host id, a colon, a JSON
# list of python-socketio's messages, a newline (never inside json.dumps's output),
# then the texts of the relayed objects, in UTF-8, one after the other. A message
# whose object is one of those texts has "data": null and TEXT_LENGTH: its length in
# bytes. Anything else on the channel is one message, as upstream.
BATCH = b"batch:"
TEXT_LENGTH = "text_length"
BATCH_MESSAGES = 100  # at most, per batch
# A batch stops growing past this, so that no process spends long decoding one
# while its clients wait (a message may be 128 KiB: MAX_MESSAGE_BYTES).
BATCH_BYTES = 256 * 1024
# How long a batch waits for more after its first message. Across two eventlet
# processes at a fixed 2,500 5 KB msg/s, CPU per relayed message and p99 relay:
# no wait (one turn for the handlers already woken) 440 µs, 2.2 ms; 0.5 ms 366 µs;
# 1 ms 332-340 µs, 3.7 ms; 2 ms 288 µs, 4.7 ms; 5 ms 247 µs, 8.1 ms. A call's
# signals cross Redis a few times (an offer, an answer, a few dozen candidates):
# 2 ms each is lost in its set-up time, a third of the CPU is not.
BATCH_WAIT_SECONDS = 0.002
OUTBOX_MESSAGES = 1000  # waiting to be published, at most; then senders wait
FLUSH_SECONDS = 2.0
PROTOCOL = 2  # see above

log = logging.getLogger("signaling.queue")


class QueueManager(socketio.RedisManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subscribed = threading.Event()  # green under eventlet's and gevent's patching
        # Told of each message Redis refused: undelivered(event, sender), where sender is the
        # client an emit to a room skipped (the one whose signal it relays), or None.
        self.undelivered = lambda event, sender: None
        self._outbox = None
        self._batch_head = BATCH + self.host_id.encode() + b":"

    def initialize(self):
        super().initialize()
        self._outbox = self.server.eio.create_queue(OUTBOX_MESSAGES)
        self.server.start_background_task(self._publish_batches)

    def start_listening(self, server, timeout):
        """Listen now, not at the first client's connection; wait until subscribed,
        at most `timeout` seconds (Redis may be down: the listener keeps trying)."""
        server.manager_initialized = True  # python-socketio's flag: it would start another
        self.initialize()
        return self.subscribed.wait(timeout)

    def _redis_connect(self):
        # As upstream (a new client, and its pubsub), with store.pool's connection pool.
        self.redis = redis.Redis(connection_pool=store.pool(self.redis_url, **self.redis_options))
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def _redis_listen_with_retries(self):
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                self.subscribed.set()
                yield from self.pubsub.listen()
            except Exception as error:  # as upstream: any failure, then connect again
                log.warning("message queue: cannot receive from Redis (%s); retrying every %g s",
                            error, RETRY_SECONDS)
                time.sleep(RETRY_SECONDS)  # green under eventlet's and gevent's monkey-patching

    def _listen(self):
        """As upstream's, but a batch from another process comes out as its messages,
        and one of this process's own is skipped unread."""
        channel = self.channel.encode()
        for message in self._redis_listen_with_retries():
            if message["channel"] != channel or message["type"] != "message":
                continue
            data = message["data"]
            if not data.startswith(BATCH):
                yield data
            elif not data.startswith(self._batch_head):
                yield from self._batch_messages(data)

    def _batch_messages(self, data):
        """The messages of another process's batch; none, and a line in the log, if it
        is not one (upstream's listener, too, skips what it cannot decode)."""
        try:
            return batch_messages(data)
        except (ValueError, RecursionError) as error:  # RecursionError: JSON nested too deep
            log.warning("message queue: skipped a batch that cannot be read (%s)", error)
            return []

    def _publish(self, message):
        """Into the outbox, encoded here, so that a message that cannot be fails in the
        sender's handler, not in a batch with others."""
        self._outbox.put(batch_entry(message, self.json.dumps))

    def _publish_batches(self):
        """The background task that empties the outbox, a batch at a time, for ever."""
        empty = self.server.eio.get_queue_empty_exception()
        while True:
            batch = [self._outbox.get()]
            # What the handlers send meanwhile joins this batch: a message waits for
            # Redis a little longer, and each costs much less CPU (see BATCH_WAIT_SECONDS).
            self.server.sleep(BATCH_WAIT_SECONDS)
            size = batch[0].size()
            while len(batch) < BATCH_MESSAGES and size < BATCH_BYTES:
                try:
                    batch.append(self._outbox.get_nowait())
                except empty:
                    break
                size += batch[-1].size()
            try:
                self._publish_batch(batch)
            except Exception:  # a bug of ours: logged, and the task goes on with the next batch
                log.exception("message queue: failed publishing %d messages", len(batch))
            finally:
                for _ in batch:
                    self._outbox.task_done()

    def _publish_batch(self, batch):
        payload = batch_payload(self._batch_head, batch)
        try:
            if not self.connected:
                self._redis_connect()
            self.redis.publish(self.channel, payload)
        except store.DOWN as error:
            store.log_outage("passing messages to the other processes", error)
            for _, _, message in batch:
                if message.get("method") == "emit":
                    self.undelivered(message["event"], message.get("skip_sid"))

    def flush(self, timeout=FLUSH_SECONDS):
        """Wait until the outbox is published, at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._outbox is not None and self._outbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)  # green under eventlet's and gevent's monkey-patching
        return self._outbox is None or not self._outbox.unfinished_tasks


class Entry(NamedTuple):
    """A message as a batch carries it."""

    json: bytes  # the message, in UTF-8 JSON
    text: bytes  # the text of the object it relays, in UTF-8, or b""
    message: dict  # the message itself

    def size(self):
        return len(self.json) + len(self.text)


def batch_entry(message, dumps):
    """A message as a batch carries it; an object that still holds the text it arrived
    in goes as that text."""
    data = message.get("data")
    text = arrived_text(data[0]) if type(data) is list and len(data) == 1 else None
    if text is None:
        return Entry(dumps(message).encode(), b"", message)
    text = text.encode()
    return Entry(dumps({**message, "data": None, TEXT_LENGTH: len(text)}).encode(), text, message)


def batch_payload(head, entries):
    """A batch, from its head (BATCH, the process's host id and a colon) and entries."""
    return b"".join((head, b"[", b",".join(entry.json for entry in entries), b"]\n",
                     *(entry.text for entry in entries)))


def batch_messages(data):
    """python-socketio's messages in a batch, each relayed object's text back in its
    message as a RelayedText; ValueError if this is not a batch (UnicodeDecodeError
    and JSONDecodeError are ValueErrors too), RecursionError if its JSON is nested too
    deep for Python."""
    start = data.index(b":", len(BATCH)) + 1
    end = data.index(b"\n", start)
    messages = json.loads(data[start:end])
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise ValueError("not a list of messages")
    position = end + 1
    for message in messages:
        length = message.pop(TEXT_LENGTH, None)
        if length is None:
            continue
        if type(length) is not int or not len("{}") <= length <= len(data) - position:  # an object's text
            raise ValueError(f"no text of {length!r} bytes at {position}")
        message["data"] = [RelayedText(data[position:position + length].decode())]
        position += length
    if position != len(data):
        raise ValueError(f"{len(data) - position} bytes of text left over")
    return messages


def manager(url):
    """The queue of a Socket.IO server whose packets are codec.SignalingPacket, which
    sends a RelayedText as its text (any other fails to encode one)."""
    if store.OUTAGE_LOG not in log.filters:
        log.addFilter(store.OUTAGE_LOG)
    return QueueManager(url, channel=CHANNEL, logger=log,
                        redis_options={"socket_connect_timeout": store.CONNECT_SECONDS, "protocol": PROTOCOL})
