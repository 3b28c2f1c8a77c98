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
from pages.hosts import own_hosts  # noqa: E402
from pages.warmup import warm_up  # noqa: E402
from serving import certificate  # noqa: E402
from serving.announce import announce, lan_urls  # noqa: E402
from signaling.addresses import AddressLimits  # noqa: E402


def create_app(config=None):
    """The app: the tutorial's pages and the signaling server. `config` overrides
    the defaults of pages.init_app and signaling.DEFAULTS; its INSTANCE_PATH
    (absolute) replaces Flask's instance folder, instance/ beside this file, and
    its STATIC_FOLDER the static/ folder (served at /static, and shown by the call page)."""
    config = config or {}
    app = Flask(__name__, instance_path=config.get("INSTANCE_PATH"),
                static_folder=config.get("STATIC_FOLDER", "static"), static_url_path="/static")
    app.config.update(config)
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
            "ALLOWED_HOSTS": args.allow_host, "PROXY_HOPS": args.proxy, "INSTANCE_PATH": args.instance_path,
            "MESSAGE_QUEUE": args.message_queue,
            **({"STEPS_DIR": args.steps_dir} if args.steps_dir else {}),
            "ADDRESS_LIMITS": AddressLimits(args.per_address_connections, args.per_address_rooms,
                                            args.per_address_joins)}


def main(args):
    # One line per refused message or failure; the libraries' chatter stays at warnings.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("signaling").setLevel(logging.INFO)
    scheme = "https" if args.https or args.certfile else "http"
    urls = lan_urls(args.host, args.port, scheme)
    app = create_app({**app_config(args), "LAN_URLS": urls})
    certfile, keyfile = args.certfile, args.keyfile
    if args.https and not certfile:
        hosts = own_hosts("0.0.0.0") | own_hosts(args.host)  # every address, whichever one it listens on
        certfile = keyfile = certificate.ensure(app.instance_path, hosts)
        print(f"Self-signed certificate: {certfile}")
    warm_up(app)  # before it listens: the first visitors do not stall the calls in progress
    announce(sys.stdout, args.async_mode, args.host, args.port, scheme, urls)
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a learner stops it
        serving.serve(app, args.host, args.port, certfile, keyfile,
                      request_timeout=args.request_timeout, idle_timeout=args.idle_timeout,
                      send_clients_away=signaling.of(app).namespace.send_everyone_away)
    signaling.of(app).retire()  # with a message queue: off Redis's list now, not in 20 s
    print("Stopped.", flush=True)


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.async_mode != MODE:  # the early read and the full one disagree: a bug in settings.py
        sys.exit(f"app.py: monkey-patched for {MODE}, but the settings say {ARGS.async_mode}")
    main(ARGS)
