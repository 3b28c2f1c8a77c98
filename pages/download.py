"""A step as one HTML file to take away: "download this step".

The file holds everything it runs: the Socket.IO client (static/vendor), a few
lines that aim the socket at this server, and the step's code, unchanged, in a
<script type="module">. Opened from disk it has no server of its own, so:

- `io('/signal')` would mean file:///signal: the prelude wraps `io` (as the
  inspector does on the step pages) so that a path is taken on this server's
  URL, written into the file when it was downloaded;
- the code reads its room from `?room=`: when the file is opened without one,
  the prelude puts the room of the page it came from there
  (`history.replaceState`, no reload), so it meets that page's second tab;
- when the socket cannot connect, the status line says why it may be, in the
  language of the page it was downloaded from.

A page opened from disk sends `Origin: null`, which the signaling server refuses
unless it is started with `--allow-origin null` (see README, "Download a step").
"""

import json
from pathlib import Path

from flask import render_template
from markupsafe import Markup

VENDOR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "socket.io" / "socket.io.min.js"

PRELUDE = """\
// Not part of the lesson: this file was downloaded, so it has no server of its
// own. A path given to io() is taken on the server it came from, and without
// ?room= in the address it joins the room of the page it was downloaded from.
const SERVER = %(server)s;
const ROOM = %(room)s;
const socketIo = window.io;
window.io = (uri, options) => {
  const socket = socketIo(new URL(uri, SERVER).href, options);
  // The server is not there, or refuses this file (see README, "Download a step").
  socket.on('connect_error', () => {
    document.getElementById('status').textContent = %(unreachable)s;
  });
  return socket;
};
if (!new URLSearchParams(location.search).get('room')) {
  history.replaceState(null, '', `?room=${encodeURIComponent(ROOM)}`);
}
"""


def inline_script(text):
    """Text safe inside <script>…</script>: no "</script" or "<!--" can end or
    bend the element early (in JavaScript, "<\\/" reads as "</")."""
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


def socket_io_client():
    text = VENDOR.read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//# sourceMappingURL="))


def standalone_page(code, number, room, server_url, unreachable):
    """unreachable: what the status line says when the socket cannot connect."""
    prelude = PRELUDE % {"server": json.dumps(server_url), "room": json.dumps(room),
                         "unreachable": json.dumps(unreachable.format(server=server_url), ensure_ascii=False)}
    return render_template(
        "download.html",
        number=number,
        room=room,
        server_url=server_url,
        socket_io=inline_script(socket_io_client()),
        prelude=inline_script(prelude),
        code=inline_script(code),
    )
