"""Helpers for driving the /signal namespace through Flask-SocketIO's test client."""

from signaling import NAMESPACE as NS

NO_PAYLOAD = object()  # emit the event without any argument

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 99 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {
    "type": "candidate",
    "candidate": {
        "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
        "usernameFragment": "abcd",
    },
}
BYE = {"type": "bye"}


def candidate(**fields):
    """A candidate signal whose RTCIceCandidate JSON has the given fields changed."""
    return {"type": "candidate", "candidate": {**CANDIDATE["candidate"], **fields}}


class Peer:
    """One browser tab's socket, with the namespace filled in."""

    def __init__(self, client):
        self.client = client

    def call(self, event, payload=NO_PAYLOAD):
        """Emit an event that the server acknowledges; return the ack."""
        args = () if payload is NO_PAYLOAD else (payload,)
        return self.client.emit(event, *args, namespace=NS, callback=True)

    def join(self, room):
        return self.call("join", {"room": room})

    def leave(self):
        return self.call("leave")

    def signal(self, message):
        self.client.emit("signal", message, namespace=NS)

    def offer_ahead(self, message):
        self.client.emit("offer-ahead", message, namespace=NS)

    def received(self):
        return [(event["name"], event["args"]) for event in self.client.get_received(NS)]

    def disconnect(self):
        self.client.disconnect(namespace=NS)


class Anything:
    """Equal to any non-empty value of a type, so a message's wording may change."""

    def __init__(self, kind):
        self.kind = kind

    def __eq__(self, other):
        return isinstance(other, self.kind) and bool(other)

    def __repr__(self):
        return f"<any non-empty {self.kind.__name__}>"


def refusal(code):
    """Matches an ack {ok: False, error: {code, message}} with this code."""
    return {"ok": False, "error": {"code": code, "message": Anything(str)}}


def error_event(code):
    return ("error", [{"code": code, "message": Anything(str)}])
