"""Behind one proxy (--proxy 1), which serves the app as https://class.example: its
X-Forwarded-* headers say who the client is and which host it asked for. The
test plays the proxy, from 127.0.0.1."""

import json

import pytest

from tests.harness.raw_socketio import RawSocketIO, http_get, refused_websocket

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
PUBLIC = {"X-Forwarded-Host": "class.example", "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def server_args():
    return ("--proxy", "1", "--allow-host", "class.example", "--per-address-connections", "3")


def test_the_forwarded_host_is_the_one_checked(server):
    assert http_get(server.url, "/", headers=PUBLIC)[0] == 200
    status, text = http_get(server.url, "/", headers={**PUBLIC, "X-Forwarded-Host": "evil.example"})
    assert status == 400 and "'evil.example'" in text


def test_a_page_of_the_public_origin_connects_and_calls(server):
    client = RawSocketIO(server.url, headers={**PUBLIC, "Origin": "https://class.example",
                                              "X-Forwarded-For": "192.0.2.99"})
    assert client.call(1, "join", {"room": "through-the-proxy"})["ok"]
    client.close()


def test_only_the_proxys_own_entry_counts(server):
    """A client may send its own X-Forwarded-Host; the proxy appends the one it saw."""
    forged = {**PUBLIC, "X-Forwarded-Host": "evil.example, class.example", "Origin": "https://evil.example"}
    for status, text in (http_get(server.url, HANDSHAKE, headers=forged),
                         refused_websocket(server.url, headers=forged)):
        assert (status, text) == (400, '"Not an accepted origin."')


def test_the_forwarded_address_is_the_one_counted(server):
    def handshake(client):
        return http_get(server.url, HANDSHAKE, headers={**PUBLIC, "X-Forwarded-For": client})

    replies = [handshake("192.0.2.1") for _ in range(4)]
    assert [status for status, _ in replies] == [200, 200, 200, 401]
    assert json.loads(replies[-1][1])["code"] == "too-many-connections"
    # Everyone else behind the same proxy still connects.
    assert handshake("192.0.2.2")[0] == 200
    # A client cannot pose as another by adding its own entry in front.
    assert handshake("192.0.2.2, 192.0.2.3")[0] == 200
    assert handshake("192.0.2.3, 192.0.2.1")[0] == 401
