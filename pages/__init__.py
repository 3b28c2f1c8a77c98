"""The HTTP side: the tutorial's pages, as a Flask blueprint.

    routes.py      the pages and the files made for them
    language.py    which language a request is answered in
    links.py       fresh room names, and redirects that stay on this site
    security.py    the headers every response carries (CSP and others)
    hosts.py       the host names the server answers to, and the proxies it believes
    ice.py         the RTCConfiguration handed to the call page
    turn.py        short-term TURN credentials, minted for each call page
    phone.py       the room link a phone can open, and its QR code
    content.py     the step folders, page texts and interface strings, reloaded when edited
    lesson.py      "the code as of step N", cut out of steps/lesson.js
    walkthrough.py a page's text in sections, each naming the code it explains
    regions.py     the named regions of the browser code that those sections show
    download.py    a step as one HTML file that runs against this server
    rendering.py   Markdown and highlighted code, as HTML
    warmup.py      every page made once before the server listens

`init_app(app)` loads the content and registers the blueprint; `guard_requests(app)`,
called after everything else that wraps `app.wsgi_app`, checks every request's Host.
"""

from pathlib import Path

from . import hosts, security, turn
from .content import LiveTutorial
from .routes import bp


def init_app(app):
    # STEPS_DIR: the tutorial's content; ICE_SERVERS: RTCIceServer dicts for the
    # call page, empty on one machine or one LAN (across the internet: STUN, TURN).
    app.config.setdefault("STEPS_DIR", Path(app.root_path) / "steps")
    app.config.setdefault("ICE_SERVERS", [])
    # TURN_URLS with TURN_SECRET: a TURN server whose short-term credentials each
    # call page gets, valid TURN_TTL seconds; ICE_TRANSPORT_POLICY "relay": relays only.
    app.config.setdefault("TURN_URLS", [])
    app.config.setdefault("TURN_SECRET", None)
    app.config.setdefault("TURN_TTL", turn.DEFAULT_TTL)
    app.config.setdefault("ICE_TRANSPORT_POLICY", "all")
    if app.config["TURN_URLS"] and not app.config["TURN_SECRET"]:
        raise ValueError("TURN_URLS needs TURN_SECRET")
    # LISTEN_HOST: the address the server listens on, whose names it answers to;
    # ALLOWED_HOSTS: more names (a DNS name, a proxy's public name); PROXY_HOPS:
    # how many proxies in front whose X-Forwarded-* headers count (0: none).
    app.config.setdefault("LISTEN_HOST", "127.0.0.1")
    app.config.setdefault("ALLOWED_HOSTS", [])
    app.config.setdefault("PROXY_HOPS", 0)
    # LAN_URLS: where other devices reach this server (serving.announce.lan_urls);
    # the call page's QR code points there when the page itself is on localhost.
    app.config.setdefault("LAN_URLS", [])
    # The call page shows the browser code it runs: static/js/ (see content.py).
    app.extensions["tutorial"] = LiveTutorial(app.config["STEPS_DIR"], Path(app.static_folder) / "js")
    app.register_blueprint(bp)
    app.after_request(security.add_headers)


def guard_requests(app):
    """Every request, pages and Socket.IO alike, passes the Host check first
    (after ProxyFix, with --proxy). Call it after signaling.init_app, whose
    middleware it must wrap."""
    allowed = hosts.own_hosts(app.config["LISTEN_HOST"]) | set(map(hosts.allowed_host, app.config["ALLOWED_HOSTS"]))
    app.wsgi_app = hosts.guard(app.wsgi_app, allowed, app.config["PROXY_HOPS"])


def tutorial(app):
    """The content of this app's STEPS_DIR as its files are now (ContentError
    while they are broken)."""
    return app.extensions["tutorial"].current()
