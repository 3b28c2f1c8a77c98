"""The /signal namespace, driven through Flask-SocketIO's test client.

Each test gets a fresh app (threading mode: eventlet must never patch this
process) and as many connected clients as it asks for. A client's `received()`
drains what the server has sent it so far, as (event, args) pairs.
"""

import pytest

import signaling
from signaling import NAMESPACE as NS
from signaling.protocol import (
    MAX_CANDIDATE_CHARS,
    MAX_OFFER_AHEAD_CHARS,
    MAX_REPORTED_CANDIDATES,
    MAX_REPORTED_ERRORS,
    MAX_SDP_CHARS,
)
from tests.harness.signal_client import (
    ANSWER,
    BYE,
    CANDIDATE,
    NO_PAYLOAD,
    OFFER,
    candidate,
    error_event,
    refusal,
)

# --- join -------------------------------------------------------------------


def test_first_joiner_is_the_caller(connect):
    assert connect().join("room1") == {"ok": True, "role": "caller", "peers": 0}


def test_second_joiner_is_the_callee_and_the_first_hears_of_it(connect):
    first, second = connect(), connect()
    first.join("room1")

    assert second.join("room1") == {"ok": True, "role": "callee", "peers": 1}
    assert first.received() == [("peer-joined", [{}])]
    assert second.received() == []


def test_a_third_joiner_is_refused_and_the_call_is_undisturbed(pair, connect):
    caller, callee = pair("room1")
    third = connect()

    reply = third.join("room1")

    assert reply == refusal("room-full")
    assert "full" in reply["error"]["message"]
    assert caller.received() == []
    assert callee.received() == []
    # The refused one is in no room: its signals go nowhere.
    third.signal(OFFER)
    assert third.received() == [error_event("not-in-room")]
    assert caller.received() == callee.received() == []


INVALID_ROOMS = {
    "empty": {"room": ""},
    "65 characters": {"room": "a" * 65},
    "a space": {"room": "my room"},
    "a path": {"room": "../x"},
    "a slash": {"room": "room/1"},
    "a trailing newline": {"room": "room1\n"},
    "a number": {"room": 42},
    "null": {"room": None},
    "a list": {"room": ["room1"]},
    "no room key": {},
    "payload a string": "room1",
    "payload a list": ["room1"],
    "payload null": None,
    "no payload": NO_PAYLOAD,
}


@pytest.mark.parametrize("payload", INVALID_ROOMS.values(), ids=list(INVALID_ROOMS))
def test_invalid_room_names_are_refused(connect, registry, payload):
    peer = connect()

    assert peer.call("join", payload) == refusal("invalid-room")
    assert registry.room_count() == 0
    # A refusal leaves no trace: the same client can then join properly.
    assert peer.join("room1")["ok"]


@pytest.mark.parametrize("room", ["a" * 64, "my-room", "my_room", "-", "_", "Room-2_b"])
def test_valid_room_names_are_accepted(connect, room):
    assert connect().join(room) == {"ok": True, "role": "caller", "peers": 0}


@pytest.mark.parametrize("second_room", ["room1", "room2"])
def test_joining_twice_is_refused(pair, registry, second_room):
    caller, callee = pair("room1")

    assert callee.join(second_room) == refusal("already-joined")
    assert caller.received() == []
    assert registry.room_count() == 1


# --- signal relay -----------------------------------------------------------

NO_CANDIDATES = {"host": 0, "srflx": 0, "prflx": 0, "relay": 0}


def report(**fields):
    """A report signal (a summary of what one side gathered) with fields changed."""
    return {"type": "report", "candidates": {**NO_CANDIDATES, "host": 1}, "errors": [401], **fields}


def state(**fields):
    """A state signal (what the other side shows over this side's video) with fields changed."""
    return {"type": "state", "muted": False, "camera_off": False, "sharing": False, **fields}


RELAYED = {
    "offer": OFFER,
    "answer": ANSWER,
    "candidate": CANDIDATE,
    "bye": BYE,
    "candidate without mid": candidate(sdpMid=None, usernameFragment="ufrag"),
    "candidate with only its line": {"type": "candidate", "candidate": {"candidate": ""}},
    "offer of the largest size": {"type": "offer", "sdp": "v=0\r\n" + "a" * (MAX_SDP_CHARS - 5)},
    "report": {"type": "report", "candidates": {"host": 2, "srflx": 1, "prflx": 0, "relay": 0}, "errors": [701]},
    "report of nothing gathered": {"type": "report", "candidates": NO_CANDIDATES, "errors": []},
    "report at its limits": {
        "type": "report",
        "candidates": dict.fromkeys(NO_CANDIDATES, MAX_REPORTED_CANDIDATES),
        "errors": [300, 799] * (MAX_REPORTED_ERRORS // 2),
    },
    "state of nothing to show": state(),
    "state muted, camera off and sharing": state(muted=True, camera_off=True, sharing=True),
}


@pytest.fixture
def three_rooms(pair):
    """Three calls going on at once: {room: (caller, callee)}."""
    return {room: pair(room) for room in ("red", "green", "blue")}


@pytest.mark.parametrize("message", RELAYED.values(), ids=list(RELAYED))
@pytest.mark.parametrize("sender", [0, 1], ids=["caller sends", "callee sends"])
def test_a_signal_reaches_only_the_other_member_unchanged(three_rooms, sender, message):
    peers = three_rooms["green"]
    peers[sender].signal(message)

    assert peers[1 - sender].received() == [("signal", [message])]
    assert peers[sender].received() == []  # no echo
    for room in ("red", "blue"):
        for bystander in three_rooms[room]:
            assert bystander.received() == []


def test_sdp_line_endings_survive_the_relay_byte_for_byte(pair):
    caller, callee = pair("room1")
    sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=ice-ufrag:x\r\n\r\n"

    caller.signal({"type": "offer", "sdp": sdp})

    [(event, [relayed])] = callee.received()
    assert event == "signal"
    assert relayed["sdp"].encode() == sdp.encode()


def test_a_whole_exchange_goes_both_ways_in_order(pair):
    caller, callee = pair("room1")

    caller.signal(OFFER)
    callee.signal(ANSWER)
    caller.signal(CANDIDATE)
    callee.signal(CANDIDATE)
    caller.signal(BYE)

    assert callee.received() == [("signal", [OFFER]), ("signal", [CANDIDATE]), ("signal", [BYE])]
    assert caller.received() == [("signal", [ANSWER]), ("signal", [CANDIDATE])]


def test_a_signal_before_joining_is_refused(pair, connect):
    caller, callee = pair("room1")
    stranger = connect()

    stranger.signal(OFFER)

    assert stranger.received() == [error_event("not-in-room")]
    assert caller.received() == callee.received() == []


MALFORMED = {
    "unknown type": ({"type": "hello", "sdp": "v=0\r\n"}, "invalid-signal"),
    "no type": ({"sdp": "v=0\r\n"}, "invalid-signal"),
    "offer without sdp": ({"type": "offer"}, "invalid-signal"),
    "answer without sdp": ({"type": "answer"}, "invalid-signal"),
    "offer with an extra field": ({**OFFER, "room": "other"}, "invalid-signal"),
    "bye with an extra field": ({"type": "bye", "reason": "done"}, "invalid-signal"),
    "empty sdp": ({"type": "offer", "sdp": ""}, "invalid-signal"),
    "sdp not a string": ({"type": "answer", "sdp": ["v=0"]}, "invalid-signal"),
    "sdp a number": ({"type": "offer", "sdp": 0}, "invalid-signal"),
    "candidate not an object": ({"type": "candidate", "candidate": "candidate:1 1 udp"}, "invalid-signal"),
    "candidate missing": ({"type": "candidate"}, "invalid-signal"),
    "candidate with an extra key": (candidate(port=50000), "invalid-signal"),
    "candidate without its line": (
        {"type": "candidate", "candidate": {"sdpMid": "0", "sdpMLineIndex": 0}},
        "invalid-signal",
    ),
    "sdpMLineIndex a bool": (candidate(sdpMLineIndex=True), "invalid-signal"),
    "sdpMLineIndex negative": (candidate(sdpMLineIndex=-1), "invalid-signal"),
    "sdpMLineIndex a string": (candidate(sdpMLineIndex="0"), "invalid-signal"),
    "sdpMLineIndex a float": (candidate(sdpMLineIndex=0.5), "invalid-signal"),
    "sdpMid a number": (candidate(sdpMid=0), "invalid-signal"),
    "oversized sdp": ({"type": "offer", "sdp": "v=0\r\n" + "a" * MAX_SDP_CHARS}, "too-large"),
    "oversized candidate": (candidate(candidate="c" * (MAX_CANDIDATE_CHARS + 1)), "too-large"),
    "report without errors": ({"type": "report", "candidates": NO_CANDIDATES}, "invalid-signal"),
    "report with an extra field": (report(sdp="v=0"), "invalid-signal"),
    "report counts missing a type": (report(candidates={"host": 1}), "invalid-signal"),
    "report counts with another type": (report(candidates={**NO_CANDIDATES, "mdns": 1}), "invalid-signal"),
    "report count negative": (report(candidates={**NO_CANDIDATES, "host": -1}), "invalid-signal"),
    "report count too large": (
        report(candidates={**NO_CANDIDATES, "relay": MAX_REPORTED_CANDIDATES + 1}), "invalid-signal"),
    "report count a bool": (report(candidates={**NO_CANDIDATES, "host": True}), "invalid-signal"),
    "report count a float": (report(candidates={**NO_CANDIDATES, "host": 1.0}), "invalid-signal"),
    "report count a string": (report(candidates={**NO_CANDIDATES, "host": "1"}), "invalid-signal"),
    "report candidates a list": (report(candidates=[1, 0, 0, 0]), "invalid-signal"),
    "report errors not a list": (report(errors=401), "invalid-signal"),
    "report error a string": (report(errors=["401"]), "invalid-signal"),
    "report error out of range": (report(errors=[200]), "invalid-signal"),
    "report error over 799": (report(errors=[800]), "invalid-signal"),
    "report with too many errors": (report(errors=[701] * (MAX_REPORTED_ERRORS + 1)), "invalid-signal"),
    "state without sharing": ({"type": "state", "muted": True, "camera_off": False}, "invalid-signal"),
    "state with an extra field": (state(speaking=True), "invalid-signal"),
    "state in camelCase": (
        {"type": "state", "muted": False, "cameraOff": True, "sharing": False}, "invalid-signal"),
    "state muted a number": (state(muted=1), "invalid-signal"),
    "state camera_off a string": (state(camera_off="true"), "invalid-signal"),
    "state sharing null": (state(sharing=None), "invalid-signal"),
    "payload a string": ("offer", "invalid-signal"),
    "payload a list": ([OFFER], "invalid-signal"),
    "payload null": (None, "invalid-signal"),
}


@pytest.mark.parametrize(("message", "code"), MALFORMED.values(), ids=list(MALFORMED))
def test_a_malformed_signal_is_refused_and_not_relayed(pair, message, code):
    caller, callee = pair("room1")

    caller.signal(message)

    assert caller.received() == [error_event(code)]
    assert callee.received() == []


def test_a_refused_signal_does_not_stop_the_next_one(pair):
    caller, callee = pair("room1")

    caller.signal({"type": "offer", "sdp": ""})
    caller.signal(OFFER)

    assert caller.received() == [error_event("invalid-signal")]
    assert callee.received() == [("signal", [OFFER])]


# --- an offer left ahead ------------------------------------------------------


def test_an_offer_left_while_alone_goes_to_the_newcomer_as_it_joins(connect):
    first, second = connect(), connect()
    first.join("room1")
    first.offer_ahead(OFFER)
    assert first.received() == []

    assert second.join("room1") == {"ok": True, "role": "callee", "peers": 1}
    # As the signal the first would have sent: a client that never heard of
    # offer-ahead answers it all the same.
    assert second.received() == [("signal", [OFFER])]
    # The first is told its offer went, so that it does not send it again.
    assert first.received() == [("peer-joined", [{"offer_sent": True}])]


def test_the_latest_offer_left_ahead_counts_and_goes_once(connect):
    first, second, third = connect(), connect(), connect()
    first.join("room1")
    first.offer_ahead({"type": "offer", "sdp": "v=0 older"})
    first.offer_ahead(OFFER)

    second.join("room1")
    assert second.received() == [("signal", [OFFER])]
    second.leave()
    first.received()
    # Delivered once: the next newcomer hears from the first itself.
    third.join("room1")
    assert third.received() == []
    assert first.received() == [("peer-joined", [{}])]


def test_an_offer_left_ahead_once_someone_is_there_is_dropped(pair, connect):
    caller, callee = pair("room1")

    caller.offer_ahead(OFFER)

    # Their peer-joined already asked for the offer: nothing is relayed or kept.
    assert caller.received() == callee.received() == []
    callee.leave()
    newcomer = connect()
    newcomer.join("room1")
    assert newcomer.received() == []


@pytest.mark.parametrize("departure", ["leave", "disconnect"])
def test_an_offer_left_ahead_goes_when_its_sender_does(app, connect, departure):
    first = connect()
    first.join("room1")
    first.offer_ahead(OFFER)
    assert signaling.of(app).namespace.offers_held() == 1

    getattr(first, departure)()

    assert signaling.of(app).namespace.offers_held() == 0
    second, third = connect(), connect()
    second.join("room1")
    third.join("room1")
    assert third.received() == []
    assert second.received() == [("peer-joined", [{}])]


OFFERS_AHEAD_REFUSED = {
    "an answer": (ANSWER, "invalid-signal"),
    "a candidate": (CANDIDATE, "invalid-signal"),
    "an offer with an extra field": ({**OFFER, "extra": 1}, "invalid-signal"),
    "an offer with no sdp": ({"type": "offer"}, "invalid-signal"),
    "too large": ({"type": "offer", "sdp": "v" * (MAX_OFFER_AHEAD_CHARS + 1)}, "too-large"),
    "not an object": ("offer", "invalid-signal"),
}


@pytest.mark.parametrize(("message", "code"), OFFERS_AHEAD_REFUSED.values(), ids=list(OFFERS_AHEAD_REFUSED))
def test_an_offer_ahead_that_is_no_small_offer_is_refused_and_not_kept(connect, message, code):
    first, second = connect(), connect()
    first.join("room1")

    first.offer_ahead(message)

    assert first.received() == [error_event(code)]
    second.join("room1")
    assert second.received() == []


def test_an_offer_ahead_outside_a_room_is_refused(connect):
    peer = connect()
    peer.offer_ahead(OFFER)
    assert peer.received() == [error_event("not-in-room")]


# --- leave and disconnect ---------------------------------------------------


def test_leave_tells_the_other_member_and_frees_the_place(pair, connect):
    caller, callee = pair("room1")

    assert callee.leave() == {"ok": True}
    assert caller.received() == [("peer-left", [{}])]

    newcomer = connect()
    assert newcomer.join("room1") == {"ok": True, "role": "callee", "peers": 1}
    assert caller.received() == [("peer-joined", [{}])]
    assert callee.received() == []  # it left: it hears nothing more from room1


def test_after_leaving_signals_no_longer_reach_the_room(pair):
    caller, callee = pair("room1")
    callee.leave()
    caller.received()

    callee.signal(ANSWER)

    assert callee.received() == [error_event("not-in-room")]
    assert caller.received() == []


def test_after_leaving_one_can_join_again(pair):
    caller, callee = pair("room1")
    callee.leave()

    assert callee.join("room1") == {"ok": True, "role": "callee", "peers": 1}


def test_leave_when_in_no_room_is_refused(connect, pair):
    caller, callee = pair("room1")
    loner = connect()

    assert loner.leave() == refusal("not-in-room")
    assert callee.leave() == {"ok": True}
    assert callee.leave() == refusal("not-in-room")
    assert caller.received() == [("peer-left", [{}])]


def test_disconnect_tells_the_remaining_member(pair, connect):
    caller, callee = pair("room1")

    callee.disconnect()

    assert caller.received() == [("peer-left", [{}])]
    newcomer = connect()
    assert newcomer.join("room1") == {"ok": True, "role": "callee", "peers": 1}
    assert caller.received() == [("peer-joined", [{}])]


def test_when_both_disconnect_the_room_is_free_for_two_new_people(pair, connect, registry):
    caller, callee = pair("room1")
    caller.disconnect()
    callee.disconnect()
    assert registry.room_count() == 0

    first, second = connect(), connect()
    assert first.join("room1") == {"ok": True, "role": "caller", "peers": 0}
    assert second.join("room1") == {"ok": True, "role": "callee", "peers": 1}
    assert first.received() == [("peer-joined", [{}])]


def test_disconnecting_without_a_room_disturbs_nobody(pair, connect):
    caller, callee = pair("room1")
    connect().disconnect()

    assert caller.received() == callee.received() == []


def test_the_last_member_leaving_deletes_the_room(pair, registry):
    assert registry.room_count() == 0
    caller, callee = pair("room1")
    pair("room2")
    assert registry.room_count() == 2

    caller.leave()
    assert registry.room_count() == 2
    callee.disconnect()
    assert registry.room_count() == 1


def test_a_client_whose_seat_was_lost_while_redis_was_down_is_told_and_its_place_freed(app, connect):
    """What the processes sharing Redis do for a seat someone else took meanwhile
    (signaling/processes.py): the store has already dropped it; the client hears why."""
    peer = connect("192.0.2.50")
    assert peer.join("lost-seat")["ok"]
    bound = signaling.of(app)
    sid = bound.socketio.server.manager.sid_from_eio_sid(peer.client.eio_sid, NS)
    bound.rooms.leave(sid)
    bound.namespace.seats_lost([sid])
    assert peer.received() == [error_event("store-unavailable")]
    assert bound.addresses.room_places("192.0.2.50") == 0
    assert peer.join("another")["ok"]
