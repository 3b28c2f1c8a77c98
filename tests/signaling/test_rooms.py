"""The room registry on its own: who is in which room. Each test runs against
the registry in memory and the one in a real Redis (one process's view of it)."""

import pytest

from signaling import store
from signaling.protocol import SignalingError
from signaling.redis_rooms import RedisRoomRegistry
from signaling.rooms import RoomRegistry as MemoryRoomRegistry
from tests.harness.signal_client import Anything


@pytest.fixture(params=["memory", "redis"])
def RoomRegistry(request):  # noqa: N802 - stands in for the class in every test
    """RoomRegistry(max_rooms, capacity=2): a new, empty registry of either kind."""
    if request.param == "memory":
        return MemoryRoomRegistry
    server = request.getfixturevalue("redis")
    server.client().flushall()
    client = store.connect(server.url)
    return lambda **limits: RedisRoomRegistry(client, "process-1", **limits)


def test_join_returns_who_was_already_there(RoomRegistry):
    rooms = RoomRegistry(max_rooms=10)

    assert rooms.join("a", "r") == []
    assert rooms.join("b", "r") == ["a"]
    assert rooms.peers_of("a") == ["b"]
    assert rooms.peers_of("b") == ["a"]


def test_refuses_beyond_capacity(RoomRegistry):
    rooms = RoomRegistry(max_rooms=10, capacity=3)
    for sid in "abc":
        rooms.join(sid, "r")

    with pytest.raises(SignalingError) as refused:
        rooms.join("d", "r")

    assert refused.value.code == "room-full"
    assert "full" in refused.value.message
    assert rooms.peers_of("a") == ["b", "c"]


def test_refuses_a_second_room_for_the_same_sid(RoomRegistry):
    rooms = RoomRegistry(max_rooms=10)
    rooms.join("a", "r1")

    with pytest.raises(SignalingError) as refused:
        rooms.join("a", "r2")

    assert refused.value.code == "already-joined"
    assert rooms.room_count() == 1


def test_leave_reports_the_room_and_who_remains(RoomRegistry):
    rooms = RoomRegistry(max_rooms=10)
    rooms.join("a", "r")
    rooms.join("b", "r")

    assert rooms.leave("a") == ("r", ["b"])
    assert rooms.room_count() == 1
    assert rooms.leave("b") == ("r", [])
    assert rooms.room_count() == 0
    assert rooms.leave("b") == (None, [])


def test_peers_of_a_stranger_is_an_error(RoomRegistry):
    with pytest.raises(SignalingError) as refused:
        RoomRegistry(max_rooms=10).peers_of("nobody")

    assert refused.value.as_dict() == {"code": "not-in-room", "message": Anything(str)}


def test_a_name_with_a_key_is_another_room_than_the_name_alone_or_with_another_key(RoomRegistry):
    rooms = RoomRegistry(max_rooms=10)
    key, other = "k" * 16, "o" * 16
    assert rooms.join("squatter", "r") == []
    assert rooms.join("owner", "r", key) == []
    assert rooms.join("guesser", "r", other) == []
    assert rooms.join("friend", "r", key) == ["owner"]
    assert rooms.room_count() == 3
    assert rooms.peers_of("squatter") == [] and rooms.peers_of("owner") == ["friend"]
    assert key not in repr(vars(rooms))  # only a digest of the key is kept
    if isinstance(rooms, RedisRoomRegistry):
        stored = stored_text(rooms.client)
        assert any("#" in text for text in stored) and not any(key in text for text in stored)


def stored_text(client):
    """Every key in Redis and what it holds, as text."""
    read = {"list": lambda name: client.lrange(name, 0, -1), "set": client.smembers, "hash": client.hgetall,
            "string": client.get}
    return [f"{name} {read[client.type(name)](name)}" for name in client.keys("*")]
