"""What several processes share in a real Redis, each process seen through its own
registry and counts: seats of a dead process freed, writing back after Redis
restarted empty, counts per address across processes, refusals while Redis is down."""

import signal
import threading

import pytest
import redis as redis_errors

from signaling import queue, store
from signaling.addresses import AddressLimits
from signaling.processes import Processes, alive_key
from signaling.protocol import SignalingError
from signaling.redis_addresses import RedisAddressCounts
from signaling.redis_rooms import RedisRoomRegistry

LIMITS = AddressLimits(connections=3, room_places=2, joins_per_minute=4)


class Told:
    """What a namespace would tell clients (the Processes' `namespace`)."""

    def __init__(self):
        self.peer_left, self.lost = [], []

    def peers_gone(self, sids):
        self.peer_left += sids

    def seats_lost(self, sids):
        self.lost += sids


class Process:
    """One server process's share of the store."""

    def __init__(self, url, name, max_rooms=100):
        self.client = store.connect(url)
        self.rooms = RedisRoomRegistry(self.client, name, max_rooms=max_rooms)
        self.addresses = RedisAddressCounts(LIMITS, self.client, name)
        self.told = Told()
        self.processes = Processes(self.client, name, self.rooms, self.addresses, self.told)
        self.processes.tick()


@pytest.fixture
def process(redis):
    """process(name) -> a Process on a Redis emptied for this test."""
    redis.client().flushall()
    return lambda name, **kwargs: Process(redis.url, name, **kwargs)


def die(redis, process):
    """What a SIGKILL leaves: the heartbeat expires, the seats stay."""
    redis.client().delete(alive_key(process.processes.process))


def test_two_processes_racing_for_the_last_seat_never_make_three(process):
    processes = [process(f"p{n}") for n in range(3)]
    for round_ in range(50):
        room, start, joined = f"race-{round_}", threading.Barrier(3), []

        def join(proc, sid, room=room, start=start, joined=joined):
            start.wait()
            try:
                proc.rooms.join(sid, room)
                joined.append(sid)
            except SignalingError as refusal:
                assert refusal.code == "room-full"

        threads = [threading.Thread(target=join, args=(proc, f"s{round_}-{n}")) for n, proc in enumerate(processes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(joined) == 2, round_
        assert sorted(processes[0].client.lrange(store.key("room", room), 0, -1)) == sorted(joined)


def test_the_room_count_holds_across_processes(process):
    first, second = process("p1", max_rooms=2), process("p2", max_rooms=2)
    first.rooms.join("a", "r1")
    second.rooms.join("b", "r2")
    with pytest.raises(SignalingError) as refused:
        first.rooms.join("c", "r3")
    assert refused.value.code == "server-full"
    assert second.rooms.join("d", "r1") == ["a"]  # an open room still takes its second member


def test_a_dead_process_s_seats_are_freed_and_its_peers_told(redis, process):
    dead, survivor = process("dead"), process("survivor")
    dead.rooms.join("a", "r")
    assert survivor.rooms.join("b", "r") == ["a"]
    dead.rooms.join("c", "alone")
    dead.addresses.open_connection("192.0.2.1")
    survivor.addresses.open_connection("192.0.2.1")

    survivor.processes.tick()  # alive: nothing happens
    assert survivor.told.peer_left == [] and survivor.rooms.peers_of("b") == ["a"]

    die(redis, dead)
    survivor.processes.tick()
    assert survivor.told.peer_left == ["b"]
    assert survivor.rooms.peers_of("b") == []
    assert survivor.rooms.room_count() == 1  # "alone" is gone, "r" has b
    assert survivor.addresses.connections("192.0.2.1") == 1
    assert survivor.rooms.join("e", "r") == ["b"]  # the seat is free again


def test_a_process_whose_seats_redis_lost_writes_them_back(redis, process):
    one, two = process("one"), process("two")
    one.rooms.join("a", "r")
    two.rooms.join("b", "r")
    one.rooms.join("c", "taken")
    one.addresses.take_room_place("192.0.2.9")
    redis.client().flushall()  # a restart without persistence
    with pytest.raises(SignalingError) as refused:
        one.rooms.peers_of("a")
    assert refused.value.code == "store-unavailable"
    two.rooms.join("x", "taken")
    two.rooms.join("y", "taken")

    one.processes.tick()
    two.processes.tick()
    assert one.rooms.peers_of("a") == ["b"] and two.rooms.peers_of("b") == ["a"]
    assert one.told.lost == ["c"]  # its room filled up meanwhile: told, and in no room
    with pytest.raises(SignalingError):
        one.rooms.peers_of("c")
    assert one.addresses.room_places("192.0.2.9") == 1


def test_per_address_counts_hold_across_processes(process):
    first, second = process("p1"), process("p2")
    assert [first.addresses.open_connection("192.0.2.1"), second.addresses.open_connection("192.0.2.1"),
            first.addresses.open_connection("192.0.2.1"), second.addresses.open_connection("192.0.2.1")] == \
        [True, True, True, False]
    first.addresses.close_connection("192.0.2.1")
    assert second.addresses.open_connection("192.0.2.1")
    assert [first.addresses.take_room_place("192.0.2.1"), second.addresses.take_room_place("192.0.2.1"),
            second.addresses.take_room_place("192.0.2.1")] == [True, True, False]
    joins = [proc.addresses.allow_join("192.0.2.1") for proc in (first, second) * 3]
    assert joins == [True] * 4 + [False] * 2
    assert first.addresses.allow_join("192.0.2.2")  # another address has its own


def test_while_redis_is_down_clients_are_refused_clearly_and_leaving_still_works(redis, process):
    one, two = process("one"), process("two")
    one.rooms.join("a", "r")
    two.rooms.join("b", "r")
    one.addresses.take_room_place("192.0.2.1")
    redis.stop()
    try:
        for attempt in (lambda: one.rooms.join("c", "s"), lambda: one.rooms.peers_of("a"),
                        lambda: one.addresses.take_room_place("192.0.2.1")):
            with pytest.raises(SignalingError) as refused:
                attempt()
            assert refused.value.code == "store-unavailable"
        assert one.rooms.leave("a") == ("r", [])  # done here; in Redis once it is back
        one.addresses.free_room_place("192.0.2.1")
        assert one.addresses.open_connection("192.0.2.7")  # counted here meanwhile
        one.processes.tick()  # no exception
    finally:
        redis.start()
    # Restarted empty: each process writes back what it holds.
    one.processes.tick()
    two.processes.tick()
    assert two.rooms.peers_of("b") == []
    assert one.addresses.connections("192.0.2.7") == 1
    assert one.addresses.room_places("192.0.2.1") == 0
    assert one.rooms.join("c", "r") == ["b"]


def test_a_leave_that_redis_missed_while_it_hung_is_done_when_it_answers_again(redis, process):
    one, two = process("one"), process("two")
    one.rooms.join("a", "r")
    two.rooms.join("b", "r")
    redis.process.send_signal(signal.SIGSTOP)  # hung, with its data: every command times out
    try:
        assert one.rooms.leave("a") == ("r", [])
    finally:
        redis.process.send_signal(signal.SIGCONT)
    assert two.rooms.peers_of("b") == ["a"]  # Redis did not hear it yet
    one.processes.tick()
    assert one.told.peer_left == ["b"]
    assert two.rooms.peers_of("b") == []


def test_a_process_that_retires_frees_its_seats_at_once_and_stays_out(process):
    leaving, staying = process("leaving"), process("staying")
    leaving.rooms.join("a", "r")
    staying.rooms.join("b", "r")
    leaving.addresses.open_connection("192.0.2.3")

    leaving.processes.retire()
    assert leaving.told.peer_left == ["b"]
    assert staying.rooms.peers_of("b") == [] and staying.addresses.connections("192.0.2.3") == 0
    leaving.processes.tick()  # no heartbeat after retiring, and nothing written back
    assert staying.rooms.peers_of("b") == []
    assert staying.client.smembers(store.key("processes")) == {"staying"}


def clients_of_both(url):
    """The store's client, and the message queue's (as its listener or a publish makes it)."""
    manager = queue.manager(url)
    manager._redis_connect()
    return {"store": store.connect(url), "queue": manager.redis}


@pytest.mark.parametrize("which", ["store", "queue"])
def test_more_commands_at_once_than_connections_wait_their_turn(redis, which):
    """Three times the pool's connections busy at once (each command holds its
    connection a moment): every one is answered, none refused for want of one."""
    client = clients_of_both(redis.url)[which]
    start, refused = threading.Barrier(3 * store.POOL_SIZE), []

    def hold_a_connection():
        start.wait()
        try:
            client.blpop("signal:test:nothing", timeout=0.3)
        except redis_errors.ConnectionError as error:
            refused.append(str(error))

    threads = [threading.Thread(target=hold_a_connection) for _ in range(3 * store.POOL_SIZE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused == []
