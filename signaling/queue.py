"""The message queue between processes: python-socketio's RedisManager, which
Flask-SocketIO uses for `message_queue=redis://...`, with these changes.

- Its listener waited twice as long after each failure, up to 60 s (seen in
  python-socketio 5.18), so relays from other processes came back up to a minute
  after Redis did. Here it retries every RETRY_SECONDS.
- Its lines go to this package's log, at most one every few seconds while Redis
  is down (store.OUTAGE_LOG), instead of two per message.
- Its Redis client waits for a free connection rather than failing a publish once
  100 are in use (store.pool).
- A message it could not publish was logged and dropped; here the sender is
  refused with store-unavailable (store.reaching), as when a join cannot reach Redis.
- Its listener started with the process's first client, so a message another
  process published before it had subscribed (the peer-joined for that very
  client) was lost. Here the process starts it itself (start_listening) and
  waits until it has subscribed.
"""

import logging
import threading
import time

import redis
import socketio

from . import store

RETRY_SECONDS = 1.0
CHANNEL = "flask-socketio"  # Flask-SocketIO's own default

log = logging.getLogger("signaling.queue")


class QueueManager(socketio.RedisManager):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subscribed = threading.Event()  # green under eventlet's and gevent's patching

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

    def _publish(self, data):
        with store.reaching("passing a message to the other processes"):
            if not self.connected:
                self._redis_connect()
            return self.redis.publish(self.channel, self.json.dumps(data))


def manager(url):
    if store.OUTAGE_LOG not in log.filters:
        log.addFilter(store.OUTAGE_LOG)
    return QueueManager(url, channel=CHANNEL, logger=log,
                        redis_options={"socket_connect_timeout": store.CONNECT_SECONDS})
