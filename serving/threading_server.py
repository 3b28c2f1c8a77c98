"""Werkzeug's threaded server: one thread per connection, WebSocket by simple-websocket."""

from werkzeug.serving import make_server

from .tcp import set_nodelay


def serve_threading(app, host, port, certfile, keyfile):
    ssl_context = (certfile, keyfile) if certfile else None
    server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    set_nodelay(server.socket)
    server.serve_forever()
