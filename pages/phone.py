"""Joining the call from a phone: the room link a phone can open, and its QR code.

The call page asks for the QR code of its own link, private key included, with
a POST whose body carries the link. Why not let the page draw it? The CSP runs
only this app's own scripts, so a QR library from a CDN is out, and this app
carries no QR encoder of its own in JavaScript. Why not an <img src="/qr?link=…">?
A private room's key lives in the URL fragment precisely so that no request
carries it: a query string would put it in every proxy's and server's access log,
and the browser's cache. A POST body is in no log: this server logs no bodies
(and never this key), and the answer is not cached. The page inserts the SVG
as DOM, because the CSP allows images from this app's URLs only (no blob: or
data:), and the policy stays as it is. The server saw the key before: the page
sends it in `join`.

A phone cannot open localhost: on a page opened on localhost or 127.0.0.1, the
link points at this machine's LAN address instead (LAN_URLS, which the server
knows when it listens on the network).
"""

import io
import ipaddress

import segno

from .hosts import LOOPBACK, host_name

MAX_LINK_CHARS = 1024  # a room link is about 150


def is_loopback(host):
    """host (a Host header's value) names this machine only: a phone cannot open it."""
    name = host_name(host)
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return name in LOOPBACK


def phone_origin(page_host, page_url_root, lan_urls):
    """Where a phone finds the page: its own origin, unless that is loopback and
    the server is on the network (then the first LAN URL). None: the page's own
    origin, which a phone cannot open (the server listens on loopback only)."""
    if not is_loopback(page_host):
        return page_url_root
    return lan_urls[0] if lan_urls else None


def room_link(path, origin):
    """The full link of a room page's path (with its query and fragment), or
    ValueError for anything that is not a call page's path on this site."""
    if not isinstance(path, str) or len(path) > MAX_LINK_CHARS or not path.startswith("/call?"):
        raise ValueError("not the path of a call page")
    if not path.isprintable() or " " in path:
        raise ValueError("a link has no spaces or control characters")
    return origin.rstrip("/") + path


def qr_code(link):
    """The QR code of link, medium error correction: readable off a screen with glare."""
    return segno.make(link, error="m")


def svg(code):
    """The code as an SVG document, sized by CSS, dark on white (with a quiet zone).
    With its namespace: the page parses it as XML (segno's svg_inline leaves it out)."""
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, border=4, omitsize=True,
              dark="#000", light="#fff", svgclass="qr", lineclass=None)
    return out.getvalue().decode()
