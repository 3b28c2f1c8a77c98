"""The WebRTC call tutorial: the command line and the app factory.

Run it with `python app.py` and open http://localhost:8080.
"""

import sys

import settings


def requested_async_mode(argv):
    """--async-mode (from the command line, the environment or --config), read
    before anything else is imported (see below)."""
    return settings.early_value("async_mode", argv)


# Monkey-patching must come first, and only when run as a program: a module
# that patches on import breaks every process that imports it (tests too).
if __name__ == "__main__":
    MODE = requested_async_mode(sys.argv[1:])
    if MODE == "eventlet":
        import warnings

        # Known and planned for: eventlet is in maintenance mode, which is why
        # --async-mode can switch to gevent or threading.
        warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()
    elif MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

import contextlib  # noqa: E402
import logging  # noqa: E402

from flask import Flask  # noqa: E402

import pages  # noqa: E402
import serving  # noqa: E402
import signaling  # noqa: E402
from signaling.addresses import AddressLimits  # noqa: E402


def create_app(config=None):
    """The app: the tutorial's pages and the signaling server. `config` overrides
    the defaults of pages.init_app and signaling.DEFAULTS."""
    app = Flask(__name__)
    app.config.update(config or {})
    pages.init_app(app)
    signaling.init_app(app)
    pages.guard_requests(app)  # last: it wraps the Socket.IO middleware too
    return app


def parse_args(argv=None, environ=None):
    """Every setting (settings.SETTINGS), from the command line, the environment
    (default: os.environ) and the --config file."""
    return settings.parse(argv, environ)


def app_config(args):
    """create_app's config from the settings (parse_args)."""
    return {"ASYNC_MODE": args.async_mode, "ICE_SERVERS": args.ice_servers,
            "TURN_URLS": args.turn_url, "TURN_SECRET": args.turn_secret, "TURN_TTL": args.turn_ttl,
            "ICE_TRANSPORT_POLICY": args.ice_transport_policy,
            "ALLOWED_ORIGINS": args.allow_origin, "LISTEN_HOST": args.host,
            "ALLOWED_HOSTS": args.allow_host, "PROXY_HOPS": args.proxy,
            "ADDRESS_LIMITS": AddressLimits(args.per_address_connections, args.per_address_rooms,
                                            args.per_address_joins)}


def main(args):
    # One line per refused message or failure; the libraries' chatter stays at warnings.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("signaling").setLevel(logging.INFO)
    app = create_app(app_config(args))
    scheme = "https" if args.certfile else "http"
    shown_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"WebRTC tutorial ({args.async_mode}): open {scheme}://{shown_host}:{args.port}/", flush=True)
    if args.host == "0.0.0.0" and not args.certfile:
        print("Note: browsers only allow the camera on localhost or https; "
              "other devices need --certfile/--keyfile.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a learner stops it
        serving.serve(app, args.host, args.port, args.certfile, args.keyfile,
                      request_timeout=args.request_timeout, idle_timeout=args.idle_timeout)
    print("Stopped.", flush=True)


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.async_mode != MODE:  # the early read and the full one disagree: a bug in settings.py
        sys.exit(f"app.py: monkey-patched for {MODE}, but the settings say {ARGS.async_mode}")
    main(ARGS)
