"""The JSON codec for Socket.IO packets: unreadable input becomes a refusal.

python-socketio decodes every packet with this module's loads(). JSON it cannot
read (nested deeper than Python's recursion limit, an integer of 100 digits,
broken syntax) would otherwise raise inside the library: a traceback in the
log and silence for the client. Here it becomes an event that the namespace
answers with a clear error.
"""

import json

from engineio.json import loads as engineio_loads  # keeps its guard against huge integers

# The event name an unreadable packet turns into. No browser sends it.
UNREADABLE = "\x00unreadable"

dumps = json.dumps


def loads(text, *args, **kwargs):
    try:
        return engineio_loads(text, *args, **kwargs)
    except (ValueError, RecursionError):
        return [UNREADABLE]
