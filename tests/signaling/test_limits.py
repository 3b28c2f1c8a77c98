"""Hostile and unlucky clients: limits, private rooms, other origins, crashes, many rooms.

Each refusal reaches only the client that caused it; everyone else carries on.
"""

import logging

import pytest

import signaling
from app import create_app
from signaling.addresses import AddressLimits
from signaling.ratelimit import Limits
from tests.harness.signal_client import BYE, NS, OFFER, Peer, candidate, error_event, refusal

KEY = "k" * 24


# --- messages per second ------------------------------------------------------------


@pytest.fixture
def config():
    # A tiny budget and no refill, so the test is about counting, not timing.
    return {"LIMITS": Limits(messages_per_second=1e-9, message_burst=5, joins_per_minute=3,
                             flood_strikes=4),
            "MAX_ROOMS": 3}


def test_a_burst_beyond_the_allowance_is_refused_and_nothing_more_relayed(pair):
    caller, callee = pair("r")  # each join used one message from the budget
    for _ in range(6):
        caller.signal(OFFER)
    assert callee.received() == [("signal", [OFFER])] * 4
    assert caller.received() == [error_event("rate-limited")] * 2
    assert caller.client.is_connected(NS)


def test_a_client_that_keeps_flooding_is_disconnected_and_its_peer_told(pair):
    caller, callee = pair("r")
    for _ in range(4 + 4):
        caller.signal(OFFER)
    assert not caller.client.is_connected(NS)
    assert callee.received()[-1] == ("peer-left", [{}])
    assert callee.client.is_connected(NS)


@pytest.mark.parametrize("config", [{"LIMITS": Limits(joins_per_minute=3)}])
def test_joins_per_minute_are_limited(connect):
    peer = connect()
    for _ in range(3):
        assert peer.join("r")["ok"]
        assert peer.leave()["ok"]
    assert peer.join("r") == refusal("too-many-joins")


def test_the_number_of_rooms_is_limited(connect):
    for name in ("a", "b", "c"):
        assert connect().join(name)["ok"]
    assert connect().join("d") == refusal("server-full")
    # An existing room still takes its second member.
    assert connect().join("a")["ok"]


@pytest.mark.parametrize("config", [{}], ids=["default limits"])
def test_the_default_limits_let_a_whole_call_setup_through_at_once(pair):
    """A browser sends its description, then 20-30 candidates within a second,
    and one side may renegotiate right away: none of it may be refused."""
    caller, callee = pair("r")
    burst = [OFFER, *[candidate(candidate=f"candidate:{n} 1 udp 1 127.0.0.1 {5000 + n} typ host")
                      for n in range(30)], OFFER, BYE]
    for message in burst:
        caller.signal(message)
    for message in burst[:-1]:
        callee.signal(message)
    assert callee.received() == [("signal", [message]) for message in burst]
    assert caller.received() == [("signal", [message]) for message in burst[:-1]]


# --- per address (every test client comes from 127.0.0.1) ------------------------------------


@pytest.mark.parametrize("config", [{"ADDRESS_LIMITS": AddressLimits(room_places=2)}])
def test_one_address_holds_a_limited_number_of_places_in_rooms(app, connect):
    first, second, third = connect(), connect(), connect()
    assert first.join("a")["ok"] and second.join("b")["ok"]
    assert third.join("c") == refusal("too-many-rooms")
    assert connect("192.0.2.1").join("c")["ok"]  # another address has places of its own
    assert first.join("d") == refusal("already-joined")  # not about the address
    first.leave()
    assert third.join("c")["ok"]  # a place given back on leave...
    third.disconnect()
    assert connect().join("d")["ok"]  # ...and on disconnect
    assert signaling.of(app).addresses.room_places("127.0.0.1") == 2


@pytest.mark.parametrize("config", [{"ADDRESS_LIMITS": AddressLimits(room_places=1), "MAX_ROOMS": 1}])
def test_a_join_refused_for_another_reason_gives_its_place_back(app, connect):
    assert connect("192.0.2.1").join("a")["ok"]
    assert connect().join("b") == refusal("server-full")
    assert signaling.of(app).addresses.room_places("127.0.0.1") == 0
    assert connect().join("a")["ok"]


@pytest.mark.parametrize("config", [{"ADDRESS_LIMITS": AddressLimits(joins_per_minute=3)}])
def test_joins_per_minute_are_limited_per_address(connect):
    for _ in range(3):
        peer = connect()  # a new connection each time: a fresh budget of its own
        assert peer.join("r")["ok"]
        assert peer.leave()["ok"]
    assert connect().join("r") == refusal("address-too-many-joins")
    assert connect("192.0.2.1").join("r")["ok"]  # another address has a budget of its own


# --- private rooms ---------------------------------------------------------------------


def join(peer, room, key=None):
    return peer.call("join", {"room": room} if key is None else {"room": room, "key": key})


ALONE = {"ok": True, "role": "caller", "peers": 0}


@pytest.mark.parametrize("key", [None, "x" * 24], ids=["no key", "another key"])
def test_a_stranger_with_the_name_but_not_the_key_gets_a_room_of_their_own(connect, key):
    owner = connect()
    assert join(owner, "r", KEY) == ALONE
    stranger = connect()
    assert join(stranger, "r", key) == ALONE  # alone, in another room
    stranger.signal(OFFER)
    assert owner.received() == []
    friend = connect()
    assert join(friend, "r", KEY) == {"ok": True, "role": "callee", "peers": 1}
    assert owner.received() == [("peer-joined", [{}])]
    assert stranger.received() == []


@pytest.mark.parametrize("key", [None, "x" * 24], ids=["without a key", "with another key"])
def test_a_private_room_cannot_be_squatted_by_its_name(connect, key):
    """Whoever takes the name first, with no key or their own, does not lock the key holders out."""
    squatter = connect()
    assert join(squatter, "r", key) == ALONE
    owner, friend = connect(), connect()
    assert join(owner, "r", KEY) == ALONE
    assert join(friend, "r", KEY) == {"ok": True, "role": "callee", "peers": 1}
    assert squatter.received() == []


def test_a_key_makes_its_own_room_beside_an_open_one_of_the_same_name(connect):
    assert join(connect(), "r") == ALONE
    assert join(connect(), "r", KEY) == ALONE


def test_a_private_room_is_free_again_when_it_empties(connect):
    owner = connect()
    assert join(owner, "r", KEY)["ok"]
    owner.leave()
    assert join(connect(), "r", KEY) == ALONE


@pytest.mark.parametrize("key", ["short", "x" * 129, "spaces in key here", 12345678901234567])
def test_a_malformed_key_is_refused(connect, key):
    assert join(connect(), "r", key) == refusal("invalid-key")


# --- unknown events and crashes ----------------------------------------------------------


def test_an_unknown_event_gets_an_error(pair):
    caller, callee = pair("r")
    caller.client.emit("hello", {"x": 1}, namespace=NS)
    assert caller.received() == [error_event("unknown-event")]
    assert callee.received() == []


def test_a_crash_in_a_handler_is_one_log_line_and_a_clear_error(app, pair, monkeypatch, caplog):
    caller, callee = pair("r")
    rooms = signaling.of(app).rooms

    def broken(sid, *default):
        raise RuntimeError("boom")

    monkeypatch.setattr(rooms, "room_of", broken)
    with caplog.at_level(logging.INFO, logger="signaling"):
        caller.signal(OFFER)
    assert caller.received() == [error_event("server-error")]
    assert callee.received() == []
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert "RuntimeError: boom" in failures[0].getMessage()


def test_a_refusal_is_logged_in_one_line_without_a_traceback(pair, caplog):
    caller, _ = pair("r")
    with caplog.at_level(logging.INFO, logger="signaling"):
        caller.signal({"type": "nonsense"})
    [record] = caplog.records
    assert record.getMessage().startswith("refused 'signal' from ")
    assert record.getMessage().endswith(": invalid-signal")
    assert record.exc_info is None


# --- many rooms at once --------------------------------------------------------------------


@pytest.mark.parametrize("config", [{}])  # the default limits
def test_nobody_receives_a_message_of_a_room_they_are_not_in(app):
    socketio = app.extensions["socketio"]
    rooms = {}
    for n in range(30):
        a, b = (Peer(socketio.test_client(app, namespace=NS)) for _ in range(2))
        assert a.join(f"room-{n}")["ok"] and b.join(f"room-{n}")["ok"]
        a.received()
        rooms[n] = (a, b)
    for n, (a, b) in rooms.items():
        a.signal({"type": "offer", "sdp": f"from a in room {n}"})
        b.signal({"type": "answer", "sdp": f"from b in room {n}"})
    for n, (a, b) in rooms.items():
        assert b.received() == [("signal", [{"type": "offer", "sdp": f"from a in room {n}"}])]
        assert a.received() == [("signal", [{"type": "answer", "sdp": f"from b in room {n}"}])]


# --- other origins -------------------------------------------------------------------------

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def handshake(app, origin):
    return app.test_client().get(HANDSHAKE, headers={"Origin": origin}).status_code


def test_other_origins_are_refused_by_default():
    app = create_app({"ASYNC_MODE": "threading"})
    assert handshake(app, "http://localhost") == 200
    assert handshake(app, "http://evil.example") == 400


def test_listed_origins_are_allowed_and_no_others():
    app = create_app({"ASYNC_MODE": "threading", "ALLOWED_ORIGINS": ["https://class.example"]})
    assert handshake(app, "https://class.example") == 200
    assert handshake(app, "http://evil.example") == 400
    assert handshake(app, "http://localhost") == 200  # its own pages still may


def test_a_page_opened_from_a_file_connects_only_when_null_is_listed():
    """Origin null: a downloaded step opened from disk (and any sandboxed frame)."""
    assert handshake(create_app({"ASYNC_MODE": "threading"}), "null") == 400
    app = create_app({"ASYNC_MODE": "threading", "ALLOWED_ORIGINS": ["null"]})
    assert handshake(app, "null") == 200
    assert handshake(app, "http://localhost") == 200


@pytest.mark.parametrize("name", [["join"], {"a": 1}, 7])
def test_an_event_name_that_is_not_text_gets_an_error(pair, name):
    caller, callee = pair("r")
    caller.client.emit(name, {"type": "bye"}, namespace=NS)
    assert caller.received() == [error_event("unknown-event")]
    assert callee.received() == []
