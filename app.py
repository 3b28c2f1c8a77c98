"""The WebRTC call tutorial: an app factory, its pages, and the command line.

Run it with `python app.py` and open http://localhost:8080.
"""

import argparse
import json
import os

ASYNC_MODES = ("eventlet", "threading")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Serve the WebRTC video call tutorial.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; 0.0.0.0 for every interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)),
                        help="port to listen on (default: $PORT or 8080)")
    parser.add_argument("--async-mode", choices=ASYNC_MODES, default="eventlet",
                        help="the server's concurrency model (default: %(default)s)")
    parser.add_argument("--ice-servers", type=ice_servers, default=os.environ.get("ICE_SERVERS", "[]"),
                        help="STUN/TURN servers for the call page, as JSON RTCIceServer objects, e.g. "
                             "'[{\"urls\": \"stun:stun.example.org:3478\"}]' (default: $ICE_SERVERS or none)")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="another origin whose pages may connect to the signaling server, "
                             "e.g. https://class.example (repeatable; default: this app's own only)")
    parser.add_argument("--certfile", help="TLS certificate (PEM), to serve https for other devices")
    parser.add_argument("--keyfile", help="TLS private key (PEM) for --certfile")
    return parser.parse_args(argv)


def ice_servers(text):
    """Parse and check --ice-servers: a JSON list of objects, each with 'urls'."""
    try:
        servers = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise argparse.ArgumentTypeError("expected a JSON list of objects, each with 'urls'")
    return servers


if __name__ == "__main__":
    # Monkey-patching must come first, and only when run as a program: a module
    # that patches on import breaks every process that imports it (tests too).
    ARGS = parse_args()
    if ARGS.async_mode == "eventlet":
        import warnings

        # Known and planned for: eventlet is in maintenance mode, which is why
        # --async-mode can switch to threading.
        warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()

import contextlib  # noqa: E402
import logging  # noqa: E402
import secrets  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from flask import Flask, abort, redirect, render_template, request, url_for  # noqa: E402
from flask_socketio import SocketIO  # noqa: E402

import safejson  # noqa: E402
from ratelimit import Limits  # noqa: E402
from rooms import MAX_ROOMS, RoomRegistry  # noqa: E402
from serving import serve  # noqa: E402
from signaling import SignalingNamespace  # noqa: E402
from tutorial import Tutorial, pygments_css  # noqa: E402

HERE = Path(__file__).resolve().parent
LANGUAGE_COOKIE = "lang"

# Only this app's own files run: no inline script, no eval, nothing from elsewhere.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

DEFAULT_CONFIG = {
    "ASYNC_MODE": None,  # None: let Flask-SocketIO pick the best one installed
    "STEPS_DIR": HERE / "steps",
    # STUN/TURN servers for the call page, as RTCIceServer dicts. Empty is right
    # on one machine or one LAN; calls across the internet need at least STUN.
    "ICE_SERVERS": [],
    # Origins other than the app's own that may open a Socket.IO connection.
    "ALLOWED_ORIGINS": [],
    # Limits (README, "Security and limits").
    "MAX_MESSAGE_BYTES": 128 * 1024,  # larger frames close the connection
    "MAX_ROOMS": MAX_ROOMS,
    "LIMITS": Limits(),
}


def create_app(config=None):
    app = Flask(__name__)
    app.config.update(DEFAULT_CONFIG)
    app.config.update(config or {})

    tutorial = Tutorial(app.config["STEPS_DIR"])
    socketio = SocketIO(
        app,
        async_mode=app.config["ASYNC_MODE"],
        # None: only pages served by this app may connect (never "*").
        cors_allowed_origins=app.config["ALLOWED_ORIGINS"] or None,
        max_http_buffer_size=app.config["MAX_MESSAGE_BYTES"],
        json=safejson,
        # One client's events are handled in the order they arrive. (The default
        # runs each in its own thread or greenlet: cost, and a reordering race.)
        async_handlers=False,
    )
    rooms = RoomRegistry(max_rooms=app.config["MAX_ROOMS"])
    socketio.on_namespace(SignalingNamespace("/signal", rooms, app.config["LIMITS"]))
    app.extensions["tutorial"] = tutorial

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Room links are invitations: keep them out of other sites' logs.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.context_processor
    def page_context():
        language = current_language(tutorial)
        return {
            "lang": language,
            "languages": tutorial.languages,
            "t": tutorial.ui(language),
            "steps": tutorial.steps,
        }

    @app.get("/")
    def overview():
        language = current_language(tutorial)
        return render_template("overview.html", text=tutorial.page_text("overview", language))

    @app.get("/steps/<int:number>")
    def step(number):
        found = tutorial.step(number) or abort(404)
        if "room" not in request.args:
            return redirect(url_for("step", number=number, room=new_room_name()))
        language = current_language(tutorial)
        return render_template(
            "step.html",
            step=found,
            room=request.args["room"],
            explanation=found.explanation(language),
            code=tutorial.code_html(number),
            diff=tutorial.diff_html(number),
        )

    @app.get("/steps/<int:number>/lesson.js")
    def step_code(number):
        tutorial.step(number) or abort(404)
        return app.response_class(tutorial.lesson.code(number), mimetype="text/javascript")

    @app.get("/call")
    def call():
        if "room" not in request.args:
            return redirect(url_for("call", **request.args, room=new_room_name()))
        language = current_language(tutorial)
        return render_template(
            "call.html",
            room=request.args["room"],
            text=tutorial.page_text("call", language),
            rtc_config={"iceServers": app.config["ICE_SERVERS"]},
        )

    @app.get("/lang/<language>")
    def choose_language(language):
        if language not in tutorial.languages:
            abort(404)
        response = redirect(local_path(request.args.get("next")))
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.get("/pygments.css")
    def code_styles():
        return app.response_class(pygments_css(), mimetype="text/css")

    return app


def current_language(tutorial):
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in tutorial.languages:
        return chosen
    return request.accept_languages.best_match(tutorial.languages) or tutorial.languages[0]


def new_room_name():
    return secrets.token_urlsafe(6)  # 8 characters, all valid in a room name


def local_path(target):
    """Only redirect within this site: keep the path and query, drop any host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")


def main(args):
    # One line per refused message or failure; the libraries' chatter stays at warnings.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("signaling").setLevel(logging.INFO)
    app = create_app({"ASYNC_MODE": args.async_mode, "ICE_SERVERS": args.ice_servers,
                      "ALLOWED_ORIGINS": args.allow_origin})
    scheme = "https" if args.certfile else "http"
    shown_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"WebRTC tutorial ({args.async_mode}): open {scheme}://{shown_host}:{args.port}/", flush=True)
    if args.host == "0.0.0.0" and not args.certfile:
        print("Note: browsers only allow the camera on localhost or https; "
              "other devices need --certfile/--keyfile.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a learner stops it
        serve(app, args.host, args.port, args.certfile, args.keyfile)
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main(ARGS)
