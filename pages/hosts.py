"""Which host names the server answers to, and which proxies it believes.

DNS rebinding: a page on evil.example re-points that name at this server, and
the browser, seeing one origin, lets the page read this server's answers and
open its socket. Host and Origin then both say evil.example, so an Origin check
alone lets it in; only a list of the names this server really has keeps it out.
The check wraps the whole app, so pages and /socket.io/ are refused alike.

X-Forwarded-* headers say who the client is and which host it asked for, but
anyone can send them: they count only with --proxy N (the number of proxies in
front, whose headers werkzeug's ProxyFix applies), and are removed otherwise,
so that nothing below (Engine.IO's origin check, the per-address limits) reads
a forged one.
"""

import contextlib
import ipaddress
import re
import socket

import ifaddr
from werkzeug.middleware.proxy_fix import ProxyFix

LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})
EVERY_INTERFACE = frozenset({"0.0.0.0", "::", ""})
NAME = re.compile(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")
SHOWN_CHARS = 100  # of a refused Host, in the answer


def host_name(text):
    """The host of a Host header or of --allow-host, compared without its port:
    lower case, no trailing dot, an IPv6 address in brackets in its short form.
    ValueError if it is no host name."""
    text = text.strip().lower()
    if text.startswith("["):
        inner, _, port = text[1:].partition("]")
        return f"[{ipaddress.IPv6Address(inner).compressed}]" if _is_port(port) else _no_host(text)
    if text.count(":") > 1:  # a bare IPv6 address (from --host or --allow-host)
        return f"[{ipaddress.IPv6Address(text).compressed}]"
    name, colon, port = text.partition(":")
    name = name.removesuffix(".")
    if not (_is_port(colon + port) and NAME.fullmatch(name)):
        _no_host(text)
    return name


def allowed_host(text):
    """--allow-host: one host name, without scheme, port or wildcard."""
    text = text.strip()
    if "*" in text or text.count(":") == 1 or text.startswith("[") and not text.endswith("]"):
        _no_host(text)
    return host_name(text)


def own_hosts(listen_host):
    """The names this server has: loopback, and the address it listens on; on
    every interface, this machine's addresses and names."""
    if listen_host not in EVERY_INTERFACE:
        return LOOPBACK | {host_name(listen_host)}
    return LOOPBACK | machine_hosts()


def machine_hosts():
    name = socket.gethostname().lower()
    hosts = {name, f"{name}.local"}
    with contextlib.suppress(OSError):  # a name that does not resolve: the interfaces still count
        hosts |= {info[4][0] for info in socket.getaddrinfo(name, None)}
    for adapter in ifaddr.get_adapters():
        # ifaddr gives an IPv6 address as (address, flow info, scope id).
        hosts |= {ip.ip[0] if isinstance(ip.ip, tuple) else ip.ip for ip in adapter.ips}
    return {_known(host) for host in hosts} - {None}


def guard(wsgi_app, hosts, proxy_hops=0):
    """The app behind the Host check and, with proxies in front, behind ProxyFix
    (outermost, so that the check and everything below see the client's values)."""
    checked = HostCheck(wsgi_app, hosts)
    if not proxy_hops:
        return checked
    return ProxyFix(checked, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops, x_port=proxy_hops)


class HostCheck:
    """WSGI middleware: a Host not in the list gets HTTP 400 and a sentence."""

    def __init__(self, wsgi_app, hosts):
        self.wsgi_app = wsgi_app
        self.hosts = frozenset(hosts)

    def __call__(self, environ, start_response):
        for header in [key for key in environ if key.startswith(("HTTP_X_FORWARDED_", "HTTP_FORWARDED"))]:
            del environ[header]  # applied by ProxyFix if trusted; forged otherwise
        host = environ.get("HTTP_HOST", "")
        if _known(host) in self.hosts:
            return self.wsgi_app(environ, start_response)
        return refuse(host, start_response)


def refuse(host, start_response):
    name = _known(host)
    shown = "".join(c if c.isprintable() and c.isascii() else "?" for c in host[:SHOWN_CHARS])
    if name:
        text = (f"This server does not answer to the host '{shown}'. If that is one of its names, "
                f"start it with --allow-host {name}.\n")
    elif host:
        text = f"'{shown}' is not a host name, so this server does not answer to it.\n"
    else:
        text = "A request must say which host it is for (the Host header).\n"
    body = text.encode()
    start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                       ("Content-Length", str(len(body))),
                                       ("X-Content-Type-Options", "nosniff")])
    return [body]


def _known(host):
    """host_name(host), or None for text that is no host name."""
    try:
        return host_name(host)
    except ValueError:
        return None


def _is_port(text):
    return text == "" or text.startswith(":") and text[1:].isdigit() and len(text) <= 6


def _no_host(text):
    raise ValueError(f"{text!r} is not a host name such as class.example, 192.168.1.20 or [fe80::1] "
                     "(no scheme, port or '*')")
