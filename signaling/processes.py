"""The processes that share one Redis: each one says it is alive, and the survivors
free the seats of one that died without saying goodbye (SIGKILL, a lost machine).

Every HEARTBEAT_SECONDS each process sets its key `alive:<process>` to expire
after ALIVE_SECONDS and lists itself in `processes`. A listed process whose key
has expired is dead: the first survivor to notice frees its seats and its
address counts, each in one script that first checks the key again, and tells
the members left behind `peer-left`. So a crash is noticed within
ALIVE_SECONDS + HEARTBEAT_SECONDS (20 s).

A process that finds itself no longer listed (Redis restarted empty, or took it
for dead while it stalled) writes its seats and counts back (`sync`); so does one
whose changes Redis missed while it was down.
"""

import logging
import os

from . import store

HEARTBEAT_SECONDS = 5
ALIVE_SECONDS = 15

log = logging.getLogger("signaling.processes")


def alive_key(process):
    return store.key("alive", process)


class Processes:
    def __init__(self, client, process, rooms, addresses, namespace):
        self.client = client
        self.process = process
        self.rooms = rooms  # RedisRoomRegistry
        self.addresses = addresses  # RedisAddressCounts
        self.namespace = namespace  # tells clients, on whichever process they are
        self._listed = False
        self._retired = False

    def run(self, sleep):
        """The background task: a beat, then a look for dead processes, for ever."""
        while True:
            self.tick()
            sleep(HEARTBEAT_SECONDS)

    def tick(self):
        if self._retired:
            return
        try:
            newly_listed = self.beat()
            if (newly_listed and self._listed) or self.rooms.out_of_sync or self.addresses.out_of_sync:
                self.sync()
            self._listed = True
            self.free_dead()
        except store.DOWN as error:
            store.log_outage("saying this process is alive", error)

    def beat(self):
        """Say this process is alive; True if it was not listed (first beat, or lost)."""
        pipe = self.client.pipeline()
        pipe.set(alive_key(self.process), os.getpid(), ex=ALIVE_SECONDS)
        pipe.sadd(store.key("processes"), self.process)
        return pipe.execute()[1] == 1

    def sync(self):
        told, refused = self.rooms.sync()
        self.addresses.sync()
        log.warning("wrote this process's seats back to Redis: %d peers told peer-left, %d seats lost",
                    len(told), len(refused))
        self.namespace.peers_gone(told)
        self.namespace.seats_lost(refused)

    def free_dead(self):
        listed = self.client.smembers(store.key("processes")) - {self.process}
        for process in listed:
            if not self.client.exists(alive_key(process)):
                told = self._free(process)
                log.warning("process %s stopped saying it is alive: freed its seats, %d peers told peer-left",
                            process, len(told))

    def retire(self):
        """Leave now (a clean stop): free this process's seats and counts at once,
        rather than when the others notice that its heartbeat is gone."""
        self._retired = True
        try:
            self.client.delete(alive_key(self.process))
            self._free(self.process)
        except store.DOWN as error:  # the others free it all once its heartbeat expires
            store.log_outage("leaving the processes that share Redis", error)

    def _free(self, process):
        """Free the seats and counts of a process whose heartbeat is gone; tell its
        clients' peers. Each script checks the heartbeat again: a process that came
        back meanwhile keeps what it holds."""
        self.addresses.reap(process, alive_key(process))
        told = self.rooms.reap(process, alive_key(process))
        self.client.srem(store.key("processes"), process)
        self.namespace.peers_gone(told)
        return told
