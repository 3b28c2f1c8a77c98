"""eventlet's WebSocket reads: a cap on a whole message, and a turn for everyone else
after each frame.

eventlet (seen in 0.41.3) checks each frame of a message against its length limit
but joins a message's frames without any limit: one message of 256 MiB in 2,050
frames of 128 KiB was read whole. And it reads on without yielding for as long as
data keeps arriving, so one fast sender held every other connection for seconds.
Engine.IO passes its largest message (MAX_MESSAGE_BYTES) as that frame limit; here
it caps the whole message too, and the connection is closed with 1009 (message
too big), as for a frame over the limit.
The turn is given only when the client has already sent more: otherwise the next
read waits for data, which yields anyway. A turn on every frame cost 13 % of the
server's CPU relaying 5 KB messages (py-spy, benchmarks/saturation.py).
Test: tests/server/test_heavy_clients.py.
"""

import socket
import ssl

import eventlet
from eventlet.websocket import FailedConnectionError, RFC6455WebSocket

MESSAGE_TOO_BIG = 1009  # RFC 6455's close code


class CappedMessage(RFC6455WebSocket.Message):
    """A message being read, refused once its frames add up to more than the limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.size = 0

    def push(self, data, final=False):
        self.finished = final
        self.size += len(data)
        if self.size > self.max_frame_length:
            raise FailedConnectionError(
                MESSAGE_TOO_BIG, f"A message may be at most {self.max_frame_length} bytes."
            )
        if data:  # empty frames would grow the list without limit
            self.data.append(data)


def _more_has_arrived(sock):
    """Whether the client's next bytes are already here, so that reading them would
    not wait. Over TLS (eventlet's TLS socket has no raw `fd`) they may sit in the TLS
    layer's buffer: assume so."""
    raw = getattr(sock, "fd", None)
    if raw is None or isinstance(raw, ssl.SSLSocket):
        return True
    try:
        return bool(raw.recv(1, socket.MSG_PEEK))  # the raw socket never blocks in eventlet
    except OSError:  # nothing yet (BlockingIOError), or an error the next read meets too
        return False


def _read_frame_then_yield(read_frame):
    def read(self, message=None):
        frame = read_frame(self, message)
        if _more_has_arrived(self.socket):
            eventlet.sleep(0)  # let the other connections run before this one goes on
        return frame

    read.yields = True
    return read


def cap_messages_and_yield():
    """Install both on eventlet's WebSocket class (once per process)."""
    RFC6455WebSocket.Message = CappedMessage
    if not getattr(RFC6455WebSocket._recv_frame, "yields", False):
        RFC6455WebSocket._recv_frame = _read_frame_then_yield(RFC6455WebSocket._recv_frame)
