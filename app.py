"""The WebRTC call tutorial: the command line and the app factory.

Run it with `python app.py` and open http://localhost:8080.
"""

import argparse
import os
import sys


def requested_async_mode(argv):
    """--async-mode, read before anything else is imported (see below)."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--async-mode", default="eventlet")
    return early.parse_known_args(argv)[0].async_mode


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
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

from flask import Flask  # noqa: E402

import pages  # noqa: E402
import serving  # noqa: E402
import signaling  # noqa: E402
from pages.hosts import allowed_host, own_hosts  # noqa: E402
from pages.ice import parse_servers  # noqa: E402
from serving import certificate  # noqa: E402
from serving.announce import announce, lan_urls  # noqa: E402
from signaling.addresses import AddressLimits  # noqa: E402


def create_app(config=None):
    """The app: the tutorial's pages and the signaling server. `config` overrides
    the defaults of pages.init_app and signaling.DEFAULTS; its INSTANCE_PATH
    (absolute) replaces Flask's instance folder, instance/ beside this file."""
    app = Flask(__name__, instance_path=(config or {}).get("INSTANCE_PATH"))
    app.config.update(config or {})
    pages.init_app(app)
    signaling.init_app(app)
    pages.guard_requests(app)  # last: it wraps the Socket.IO middleware too
    return app


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Serve the WebRTC video call tutorial.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on; 0.0.0.0 for every interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)),
                        help="port to listen on (default: $PORT or 8080)")
    parser.add_argument("--async-mode", choices=serving.ASYNC_MODES, default="eventlet",
                        help="the server's concurrency model (default: %(default)s)")
    parser.add_argument("--ice-servers", type=ice_servers, default=os.environ.get("ICE_SERVERS", "[]"),
                        help="STUN/TURN servers for the call page, as JSON RTCIceServer objects, e.g. "
                             "'[{\"urls\": \"stun:stun.example.org:3478\"}]' (default: $ICE_SERVERS or none)")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN", type=origin,
                        help="another origin whose pages may connect to the signaling server, "
                             "e.g. https://class.example (repeatable; default: this app's own only)")
    parser.add_argument("--request-timeout", type=seconds, default=serving.HEAD_SECONDS, metavar="SECONDS",
                        help="time a client has to send a request's line and headers (default: %(default)g)")
    parser.add_argument("--idle-timeout", type=seconds, default=serving.IDLE_SECONDS, metavar="SECONDS",
                        help="longest wait for a client that neither sends nor reads (default: %(default)g)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME", type=host,
                        help="another name this server answers to, e.g. class.example (repeatable; default: "
                             "localhost and the addresses it listens on)")
    parser.add_argument("--proxy", type=int, default=0, metavar="N", choices=range(0, 10),
                        help="the number of proxies in front whose X-Forwarded-For/-Proto/-Host/-Port "
                             "headers to believe (default: none)")
    parser.add_argument("--per-address-connections", type=positive, default=AddressLimits.connections,
                        metavar="N", help="connections one client address may hold open (default: %(default)s)")
    parser.add_argument("--per-address-rooms", type=positive, default=AddressLimits.room_places, metavar="N",
                        help="places in rooms one client address may hold (default: %(default)s)")
    parser.add_argument("--per-address-joins", type=positive, default=AddressLimits.joins_per_minute,
                        metavar="N", help="joins a minute from one client address (default: %(default)s)")
    parser.add_argument("--https", action="store_true",
                        help="serve https and wss with a self-signed certificate, made on first use and kept "
                             "in the instance folder (phones and other computers need https for the camera)")
    parser.add_argument("--certfile", help="serve https with this TLS certificate (PEM) instead")
    parser.add_argument("--keyfile", help="TLS private key (PEM) for --certfile")
    parser.add_argument("--instance-path", type=lambda text: str(Path(text).resolve()), metavar="FOLDER",
                        help="where --https keeps its certificate (default: instance/ beside app.py)")
    return parser.parse_args(argv)


def origin(text):
    """scheme://host[:port], as browsers send it in the Origin header; never '*'."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or "*" in text:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an origin such as https://class.example:8443 (and '*' would let any site in)"
        )
    return text


def seconds(text):
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 3600")
    return value


def host(text):
    try:
        return allowed_host(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def ice_servers(text):
    try:
        return parse_servers(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(args):
    # One line per refused message or failure; the libraries' chatter stays at warnings.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("signaling").setLevel(logging.INFO)
    scheme = "https" if args.https or args.certfile else "http"
    urls = lan_urls(args.host, args.port, scheme)
    app = create_app({"ASYNC_MODE": args.async_mode, "ICE_SERVERS": args.ice_servers,
                      "ALLOWED_ORIGINS": args.allow_origin, "LISTEN_HOST": args.host,
                      "ALLOWED_HOSTS": args.allow_host, "PROXY_HOPS": args.proxy, "LAN_URLS": urls,
                      "INSTANCE_PATH": args.instance_path,
                      "ADDRESS_LIMITS": AddressLimits(args.per_address_connections, args.per_address_rooms,
                                                      args.per_address_joins)})
    certfile, keyfile = args.certfile, args.keyfile
    if args.https and not certfile:
        hosts = own_hosts("0.0.0.0") | own_hosts(args.host)  # every address, whichever one it listens on
        certfile = keyfile = certificate.ensure(app.instance_path, hosts)
        print(f"Self-signed certificate: {certfile}")
    announce(sys.stdout, args.async_mode, args.host, args.port, scheme, urls)
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how a learner stops it
        serving.serve(app, args.host, args.port, certfile, keyfile,
                      request_timeout=args.request_timeout, idle_timeout=args.idle_timeout)
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main(parse_args())
