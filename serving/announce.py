"""What the server prints when it starts: where to open it, and for other devices
every LAN URL with a QR code of it, to scan with a phone's camera."""

import ipaddress

import segno

from pages.hosts import EVERY_INTERFACE, own_hosts


def lan_urls(listen_host, port, scheme):
    """The URLs another device on the network can open: on 0.0.0.0 or ::, one
    for each of this machine's addresses (IPv4 first); on a single address that
    is not loopback, that one; on loopback, none. Link-local IPv6 addresses are
    left out: a browser cannot open a URL with one."""
    hosts = own_hosts(listen_host) if listen_host in EVERY_INTERFACE else {listen_host}
    addresses = []
    for host in hosts:
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            continue  # a name: a phone may not resolve it (mDNS), an address always works
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            addresses.append(address)
    addresses.sort(key=lambda a: (a.version, not a.is_private, a))
    return [f"{scheme}://{url_host(address)}:{port}/" for address in addresses]


def url_host(address):
    return f"[{address}]" if address.version == 6 else str(address)


def announce(out, async_mode, listen_host, port, scheme, urls):
    """Print where to open the server; for each URL in urls, the URL and its QR code."""
    local = "localhost" if listen_host in {"127.0.0.1", *EVERY_INTERFACE} else listen_host
    print(f"WebRTC tutorial ({async_mode}): open {scheme}://{local}:{port}/", file=out)
    if not urls:
        return
    print("On a phone or another computer on this network, open one of these (or scan its code):", file=out)
    for url in urls:
        print(f"\n  {url}", file=out)
        if can_draw_blocks(out):
            terminal_qr(url, out)
    if scheme == "http":
        print("\nNote: browsers allow the camera only on localhost or over https; "
              "for other devices start the server with --https.", file=out)
    else:
        print("\nThe certificate is self-signed: each device warns once; the call page says how to go on.",
              file=out)


def terminal_qr(text, out):
    """A QR code of text in Unicode half blocks, two rows of modules a line:
    light modules are drawn, so it reads right on a dark terminal (and inverted,
    which phone cameras read too, on a light one)."""
    segno.make(text, error="l").terminal(out=out, compact=True, border=2)


def can_draw_blocks(out):
    """False for an output that cannot encode the block characters (a Windows code page)."""
    try:
        "\u2580\u2584\u2588".encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True
