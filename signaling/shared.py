"""What init_app adds when several processes share one Redis (MESSAGE_QUEUE):
the message queue, the rooms and counts in Redis, and the heartbeats.
Imported only then: redis-py adds a noticeable time to every start."""

import uuid

from . import logs, processes, queue, store
from .redis_addresses import RedisAddressCounts
from .redis_rooms import RedisRoomRegistry


class Shared:
    def __init__(self, url, address_limits, max_rooms):
        self.client, self.process = store.connect(url), uuid.uuid4().hex
        self.manager = queue.manager(url)
        self.addresses = RedisAddressCounts(address_limits, self.client, self.process)
        self.rooms = RedisRoomRegistry(self.client, self.process, max_rooms=max_rooms)
        logs.limit_rate(processes.log)
        self.processes = None

    def start(self, socketio, namespace):
        """Receive from the other processes; beat, and free the seats of dead
        processes, in the background."""
        self.manager.undelivered = namespace.undelivered
        self.manager.start_listening(socketio.server, timeout=store.CONNECT_SECONDS)
        self.processes = processes.Processes(self.client, self.process, self.rooms, self.addresses, namespace)
        socketio.start_background_task(self.processes.run, socketio.sleep)

    def retire(self):
        self.processes.retire()
        self.manager.flush()  # the peer-left that retiring sent to other processes' clients

    def health(self):
        return store.answers(self.client)
