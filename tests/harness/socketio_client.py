"""python-socketio's standard client on /signal, with the server's events queued."""

import queue

import socketio

from signaling import NAMESPACE

WAIT = 10  # seconds: a generous bound for one message on loopback


class Listener:
    """A python-socketio Client whose server events are queued, in order of arrival."""

    def __init__(self, transports=None):
        self.client = socketio.Client(reconnection=False)
        self.transports = transports
        self.events = queue.Queue()
        for event in ("peer-joined", "peer-left", "signal", "error"):
            self.client.on(event, self._queue(event), namespace=NAMESPACE)

    def _queue(self, event):
        return lambda *args: self.events.put((event, list(args)))

    def connect(self, url):
        self.client.connect(url, namespaces=[NAMESPACE], transports=self.transports, wait_timeout=WAIT)
        return self

    def next_event(self, timeout=WAIT):
        return self.events.get(timeout=timeout)

    def call(self, event, *args):
        return self.client.call(event, *args, namespace=NAMESPACE, timeout=WAIT)

    def signal(self, message):
        self.client.emit("signal", message, namespace=NAMESPACE)
