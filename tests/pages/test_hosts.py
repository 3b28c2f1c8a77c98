"""The Host allow-list and the X-Forwarded-* headers, through Flask's test client."""

import socket

import pytest

from app import create_app
from pages.hosts import allowed_host, host_name, own_hosts

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def get(app, path="/", **headers):
    response = app.test_client().get(path, headers={key.replace("_", "-"): value
                                                    for key, value in headers.items()})
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def proxied():
    """Behind one proxy, which serves the app as class.example."""
    return create_app({"ASYNC_MODE": "threading", "PROXY_HOPS": 1, "ALLOWED_HOSTS": ["class.example"]})


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LocalHost."])
def test_loopback_names_are_answered_by_default(app, host):
    assert get(app, Host=host)[0] == 200


@pytest.mark.parametrize("path", ["/", "/steps/3", HANDSHAKE])
def test_a_rebound_name_is_refused_on_pages_and_on_the_socket(app, path):
    status, text = get(app, path, Host="evil.example:8080", Origin="http://evil.example:8080")
    assert status == 400
    assert text == ("This server does not answer to the host 'evil.example:8080'. "
                    "If that is one of its names, start it with --allow-host evil.example.\n")


def test_a_request_without_a_usable_host_is_refused(app):
    assert get(app, Host="") == (400, "A request must say which host it is for (the Host header).\n")
    assert get(app, Host="a\tb") == (400, "'a?b' is not a host name, so this server does not answer to it.\n")


def test_everyone_may_not_be_allowed_in_the_config():
    with pytest.raises(ValueError, match="is not a host name"):
        create_app({"ASYNC_MODE": "threading", "ALLOWED_HOSTS": ["*"]})


def test_allowed_hosts_are_answered():
    app = create_app({"ASYNC_MODE": "threading", "ALLOWED_HOSTS": ["class.example", "[fe80::1]"]})
    assert get(app, Host="class.example:8443")[0] == 200
    assert get(app, Host="[fe80::1]:8080")[0] == 200
    assert get(app, Host="other.example")[0] == 400


def test_the_same_origin_check_still_works_for_an_allowed_host(app):
    assert get(app, HANDSHAKE, Host="127.0.0.1:8080", Origin="http://127.0.0.1:8080")[0] == 200
    status, text = get(app, HANDSHAKE, Host="127.0.0.1:8080", Origin="http://localhost:8080")
    assert (status, text) == (400, '"Not an accepted origin."')


def test_forwarded_headers_are_ignored_without_a_proxy(app):
    forged = {"X_Forwarded_Host": "evil.example", "X_Forwarded_Proto": "http"}
    # Engine.IO would take the forged host as this app's own origin.
    assert get(app, HANDSHAKE, Host="localhost", Origin="http://evil.example", **forged)[0] == 400
    # Nor does it change which host was asked for.
    assert get(app, Host="evil.example", X_Forwarded_Host="localhost")[0] == 400


def test_behind_a_proxy_the_forwarded_host_is_checked_and_trusted(proxied):
    via_proxy = {"Host": "127.0.0.1:8080", "X_Forwarded_Proto": "https"}
    assert get(proxied, X_Forwarded_Host="class.example", **via_proxy)[0] == 200
    status, text = get(proxied, X_Forwarded_Host="evil.example", **via_proxy)
    assert status == 400 and "'evil.example'" in text
    ok = get(proxied, HANDSHAKE, X_Forwarded_Host="class.example", Origin="https://class.example", **via_proxy)
    assert ok[0] == 200


def test_behind_a_proxy_only_the_proxys_own_entry_counts(proxied):
    """A client may send its own X-Forwarded-Host; the proxy appends the real one.
    ProxyFix takes the last; nothing below may read the first."""
    forged = {"Host": "127.0.0.1", "X_Forwarded_Host": "evil.example, class.example", "X_Forwarded_Proto": "https"}
    assert get(proxied, HANDSHAKE, Origin="https://evil.example", **forged)[0] == 400
    assert get(proxied, HANDSHAKE, Origin="https://class.example", **forged)[0] == 200


@pytest.mark.parametrize(("text", "name"), [
    ("Class.Example", "class.example"), ("192.168.1.20", "192.168.1.20"),
    ("fe80::1", "[fe80::1]"), ("[FE80:0::1]", "[fe80::1]"), ("my_pc.local.", "my_pc.local"),
])
def test_allow_host_takes_names_and_addresses(text, name):
    assert allowed_host(text) == name


@pytest.mark.parametrize("text", ["*", "*.example", "https://class.example", "class.example:8443",
                                  "[::1]:8080", "class example", "", "[::1"])
def test_allow_host_refuses_anything_else(text):
    with pytest.raises(ValueError, match="is not a host name"):
        allowed_host(text)


def test_host_names_are_compared_without_port_case_or_trailing_dot():
    assert {host_name(h) for h in ["LOCALHOST:80", "localhost.", "localhost"]} == {"localhost"}
    assert host_name("[0:0::1]:8080") == "[::1]"


def test_a_server_on_one_address_answers_to_it_and_to_loopback():
    assert own_hosts("192.0.2.7") == {"localhost", "127.0.0.1", "[::1]", "192.0.2.7"}
    assert own_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "[::1]"}


@pytest.mark.parametrize("listen", ["0.0.0.0", "::"])
def test_a_server_on_every_interface_answers_to_this_machines_names_and_addresses(listen):
    hosts = own_hosts(listen)
    name = socket.gethostname().lower()
    assert {"localhost", "127.0.0.1", "[::1]", name, f"{name}.local"} <= hosts
    addresses = {host_name(info[4][0]) for info in socket.getaddrinfo("localhost", None)}
    assert addresses <= hosts
