"""DNS rebinding and forged X-Forwarded-* headers (issue 7, finding 11), against the
real server under each async mode, with no proxy configured."""

import json

import pytest

from tests.harness.raw_socketio import RawSocketIO, http_get, refused_websocket

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def server_args():
    return ("--per-address-connections", "3")


def rebound(server):
    """What a page of evil.example sends once that name points at this server."""
    evil = f"evil.example:{server.port}"
    return {"Host": evil, "Origin": f"http://{evil}"}


def test_a_rebound_name_is_refused_on_pages(server):
    for path in ("/", "/call?room=r"):
        status, text = http_get(server.url, path, headers=rebound(server))
        assert status == 400
        assert text == (f"This server does not answer to the host 'evil.example:{server.port}'. "
                        "If that is one of its names, start it with --allow-host evil.example.\n")


def test_a_rebound_name_is_refused_on_the_socket(server):
    for status, text in (http_get(server.url, HANDSHAKE, headers=rebound(server)),
                         refused_websocket(server.url, headers=rebound(server))):
        assert status == 400
        assert "does not answer to the host 'evil.example" in text


def test_the_apps_own_pages_still_connect(server):
    client = RawSocketIO(server.url, headers={"Origin": server.url})
    assert client.call(1, "join", {"room": "own-origin"})["ok"]
    client.close()
    assert http_get(server.url, "/", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_a_forged_x_forwarded_host_is_not_trusted(server):
    forged = {"Origin": "http://evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
    for status, text in (http_get(server.url, HANDSHAKE, headers=forged),
                         refused_websocket(server.url, headers=forged)):
        assert (status, text) == (400, '"Not an accepted origin."')
    status, _ = http_get(server.url, "/", headers={"Host": "evil.example", "X-Forwarded-Host": "localhost"})
    assert status == 400


def test_a_forged_x_forwarded_for_is_not_counted_as_the_address(server):
    """Each handshake claims another address; they all count against the real one."""
    replies = [http_get(server.url, HANDSHAKE, source="127.0.9.1", headers={"X-Forwarded-For": f"192.0.2.{n}"})
               for n in range(4)]
    assert [status for status, _ in replies] == [200, 200, 200, 401]
    assert json.loads(replies[-1][1])["code"] == "too-many-connections"
