"""What the server prints at start: every LAN URL, each with a QR code a phone can read."""

import io

import pytest

from serving import announce
from tests.harness.qr import HALF_BLOCKS, texts_in_blocks

MACHINE = {"localhost", "127.0.0.1", "[::1]", "laptop", "laptop.local", "[fe80::1]",
           "192.168.1.20", "10.0.0.7", "203.0.113.9", "[2001:db8::20]"}


@pytest.fixture
def machine(monkeypatch):
    monkeypatch.setattr(announce, "own_hosts", lambda listen_host: MACHINE)


@pytest.mark.parametrize("every_interface", ["0.0.0.0", "::"])
def test_on_every_interface_each_usable_address_gets_a_url_ipv4_and_private_first(machine, every_interface):
    assert announce.lan_urls(every_interface, 8443, "https") == [
        "https://10.0.0.7:8443/", "https://192.168.1.20:8443/", "https://203.0.113.9:8443/",
        "https://[2001:db8::20]:8443/",
    ]


@pytest.mark.parametrize("listen_host, urls", [
    ("127.0.0.1", []), ("localhost", []), ("::1", []),
    ("192.168.1.20", ["https://192.168.1.20:8443/"]), ("2001:db8::20", ["https://[2001:db8::20]:8443/"]),
])
def test_on_one_address_only_that_one_and_none_on_loopback(machine, listen_host, urls):
    assert announce.lan_urls(listen_host, 8443, "https") == urls


def printed(urls, scheme="https", listen_host="0.0.0.0"):
    out = io.StringIO()
    announce.announce(out, "eventlet", listen_host, 8443, scheme, urls)
    return out.getvalue()


def qr_codes(text):
    """Each run of block lines in text, read as a QR code."""
    codes, lines = [], []
    for line in [*text.splitlines(), ""]:
        if line and set(line) <= set(HALF_BLOCKS) and line.strip():
            lines.append(line)
        elif lines:
            codes.append(texts_in_blocks(lines))
            lines = []
    return codes


def test_every_lan_url_is_printed_with_a_qr_code_of_it(machine):
    urls = announce.lan_urls("0.0.0.0", 8443, "https")
    text = printed(urls)
    assert text.startswith("WebRTC tutorial (eventlet): open https://localhost:8443/\n")
    assert [line.strip() for line in text.splitlines() if "://" in line][1:] == urls
    assert qr_codes(text) == [[url] for url in urls]
    assert "self-signed" in text


def test_over_http_it_says_that_other_devices_need_https():
    text = printed(["http://192.168.1.20:8080/"], scheme="http")
    assert "start the server with --https" in text
    assert qr_codes(text) == [["http://192.168.1.20:8080/"]]


def test_on_loopback_only_the_local_address_is_printed():
    assert printed([], listen_host="127.0.0.1") == "WebRTC tutorial (eventlet): open https://localhost:8443/\n"


def test_an_output_that_cannot_draw_blocks_gets_the_urls_alone():
    out = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    announce.announce(out, "eventlet", "0.0.0.0", 8443, "https", ["https://192.168.1.20:8443/"])
    out.seek(0)
    text = out.read()
    assert "https://192.168.1.20:8443/" in text and "\u2588" not in text
