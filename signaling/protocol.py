"""The signaling protocol's messages: what a client may send, checked field by field.

Every check raises SignalingError with a code a program can test and a message
a person can read. Nothing here knows about sockets or rooms.
"""

import re

NAMESPACE = "/signal"
ROOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
ROOM_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")
# A browser's SDP is 3-10 KB; a candidate line well under 1 KB.
MAX_SDP_CHARS = 64 * 1024
# An offer left with the server while alone waits there, for as long as its
# room has one member: held to a quarter of that, the room places one address
# may hold cost at most ~10 MB. A browser's offer with its candidates is 3-10 KB.
MAX_OFFER_AHEAD_CHARS = 16 * 1024
MAX_CANDIDATE_CHARS = 2048
# JSON values (strings, numbers, true/false/null, arrays, objects, keys) in one message:
# the largest message of the protocol, a candidate, has 16.
MAX_JSON_VALUES = 64
CANDIDATE_FIELDS = {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}
# A report: how many candidates of each type one side gathered, and the
# icecandidateerror codes it saw (STUN error codes 300-699, Chromium's 700-799),
# so that the other side's connection doctor can tell what went wrong.
CANDIDATE_TYPES = {"host", "srflx", "prflx", "relay"}
MAX_REPORTED_CANDIDATES = 1000
MAX_REPORTED_ERRORS = 8
# A state: what the other side shows over this side's video. Each message is
# the whole state, so each field is always there.
STATE_FIELDS = ("muted", "camera_off", "sharing")


class SignalingError(Exception):
    """A refusal, sent back to the client that caused it and to no one else."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self):
        return {"code": self.code, "message": self.message}


def validate_join(data):
    """{room, key?} -> (room, key or None)."""
    if not isinstance(data, dict) or not set(data) <= {"room", "key"}:
        raise SignalingError("invalid-room", "Join with {room}, or {room, key} for a private room.")
    room = data.get("room")
    if not isinstance(room, str) or not ROOM_NAME.fullmatch(room):
        raise SignalingError(
            "invalid-room",
            "A room name is 1-64 characters: letters A-Z or a-z, digits, '-' and '_'.",
        )
    key = data.get("key")
    if key is not None and not (isinstance(key, str) and ROOM_KEY.fullmatch(key)):
        raise SignalingError(
            "invalid-key", "A room key is 16-128 characters: letters, digits, '-' and '_'."
        )
    return room, key


def validate_signal(data):
    """Accept only the protocol's shapes, with no extra fields; return the message unchanged."""
    if not isinstance(data, dict):
        raise SignalingError("invalid-signal", "A signal must be an object with a 'type'.")
    kind = data.get("type")
    if kind in ("offer", "answer"):
        _expect_keys(data, {"type", "sdp"})
        sdp = data["sdp"]
        if not isinstance(sdp, str) or not sdp:
            raise SignalingError("invalid-signal", f"An {kind} needs 'sdp', a non-empty string.")
        if len(sdp) > MAX_SDP_CHARS:
            raise SignalingError("too-large", f"An SDP may be at most {MAX_SDP_CHARS} characters.")
    elif kind == "candidate":
        _expect_keys(data, {"type", "candidate"})
        _validate_candidate(data["candidate"])
    elif kind == "bye":
        _expect_keys(data, {"type"})
    elif kind == "report":
        _expect_keys(data, {"type", "candidates", "errors"})
        _validate_report(data["candidates"], data["errors"])
    elif kind == "state":
        _expect_keys(data, {"type", *STATE_FIELDS})
        if not all(type(data[field]) is bool for field in STATE_FIELDS):
            raise SignalingError(
                "invalid-signal", f"A state's {', '.join(STATE_FIELDS)} are each true or false."
            )
    else:
        raise SignalingError(
            "invalid-signal",
            "A signal's 'type' must be offer, answer, candidate, bye, report or state.",
        )
    return data


def validate_offer_ahead(data):
    """An offer like a signal's, smaller: the server keeps it while its sender waits alone."""
    if not (isinstance(data, dict) and data.get("type") == "offer"):
        raise SignalingError("invalid-signal", "offer-ahead takes an offer: {type: 'offer', sdp}.")
    validate_signal(data)
    if len(data["sdp"]) > MAX_OFFER_AHEAD_CHARS:
        raise SignalingError(
            "too-large", f"An offer left ahead may be at most {MAX_OFFER_AHEAD_CHARS} characters; send it as a signal."
        )
    return data


def _expect_keys(data, keys):
    if set(data) != keys:
        wanted = ", ".join(sorted(keys))
        raise SignalingError(
            "invalid-signal", f"A '{data['type']}' signal has exactly these fields: {wanted}."
        )


def _validate_candidate(candidate):
    """An RTCIceCandidateInit, as RTCIceCandidate.toJSON() produces it."""
    problem = "'candidate' must be the browser's RTCIceCandidate JSON."
    if not isinstance(candidate, dict) or not set(candidate) <= CANDIDATE_FIELDS:
        raise SignalingError("invalid-signal", problem)
    line = candidate.get("candidate")
    if not isinstance(line, str):
        raise SignalingError("invalid-signal", problem)
    if len(line) > MAX_CANDIDATE_CHARS:
        raise SignalingError(
            "too-large", f"A candidate may be at most {MAX_CANDIDATE_CHARS} characters."
        )
    for field in ("sdpMid", "usernameFragment"):
        if not isinstance(candidate.get(field), (str, type(None))):
            raise SignalingError("invalid-signal", problem)
    index = candidate.get("sdpMLineIndex")
    if index is not None and (type(index) is not int or not 0 <= index < 1024):
        raise SignalingError("invalid-signal", problem)


def _validate_report(candidates, errors):
    """{host, srflx, prflx, relay: counts} and a short list of error codes."""
    if not (
        isinstance(candidates, dict)
        and set(candidates) == CANDIDATE_TYPES
        and all(_is_int_in(n, 0, MAX_REPORTED_CANDIDATES) for n in candidates.values())
    ):
        raise SignalingError(
            "invalid-signal",
            f"A report's 'candidates' counts each of {', '.join(sorted(CANDIDATE_TYPES))}: "
            f"integers 0-{MAX_REPORTED_CANDIDATES}.",
        )
    if not (
        isinstance(errors, list)
        and len(errors) <= MAX_REPORTED_ERRORS
        and all(_is_int_in(code, 300, 799) for code in errors)
    ):
        raise SignalingError(
            "invalid-signal",
            f"A report's 'errors' lists at most {MAX_REPORTED_ERRORS} ICE error codes, integers 300-799.",
        )


def _is_int_in(value, low, high):
    # bool is an int in Python, but true is no count.
    return type(value) is int and low <= value <= high
