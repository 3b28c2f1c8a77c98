"""Engine.IO connections counted per address, through Flask's test client (polling)."""

import json

import pytest

import signaling
from app import create_app
from signaling.addresses import AddressLimits

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
def app():
    return create_app({"ASYNC_MODE": "threading", "ADDRESS_LIMITS": AddressLimits(connections=2)})


def handshake(app, address):
    """(status, body) of a new Engine.IO session from this address."""
    response = app.test_client().get(HANDSHAKE, environ_base={"REMOTE_ADDR": address})
    return response.status_code, response.get_data(as_text=True)


def close(app, opened):
    """End the session this handshake body opened, as a client does (an Engine.IO close packet)."""
    sid = json.loads(opened[1:])["sid"]
    assert app.test_client().post(f"{HANDSHAKE}&sid={sid}", data="1").status_code == 200


def test_an_address_over_its_connections_is_refused_with_a_code(app):
    assert [handshake(app, "192.0.2.1")[0] for _ in range(2)] == [200, 200]
    status, body = handshake(app, "192.0.2.1")
    assert status == 401
    assert json.loads(body) == {
        "code": "too-many-connections",
        "message": "This address already has 2 connections open; close some and try again.",
    }
    assert handshake(app, "192.0.2.2")[0] == 200


def test_a_closed_connection_is_given_back_and_a_refused_one_never_counted(app):
    counts = signaling.of(app).addresses
    _, first = handshake(app, "192.0.2.1")
    handshake(app, "192.0.2.1")
    assert handshake(app, "192.0.2.1")[0] == 401
    assert counts.connections("192.0.2.1") == 2
    close(app, first)
    assert counts.connections("192.0.2.1") == 1
    assert handshake(app, "192.0.2.1")[0] == 200
