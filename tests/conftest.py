"""Fixtures shared by the namespace tests: a fresh app and its connected clients.

Apps run in threading mode: eventlet must never monkey-patch the pytest process.
"""

import pytest
from signal_helpers import NS, Peer

from app import create_app


@pytest.fixture
def config():
    """Extra app config; override in a test module to change limits."""
    return {}


@pytest.fixture
def app(config):
    return create_app({"ASYNC_MODE": "threading", **config})


@pytest.fixture
def registry(app):
    return app.extensions["socketio"].server.namespace_handlers[NS].rooms


@pytest.fixture
def connect(app):
    """connect() -> a new connected Peer."""
    socketio = app.extensions["socketio"]

    def connect():
        return Peer(socketio.test_client(app, namespace=NS))

    return connect


@pytest.fixture
def pair(connect):
    """pair(room) -> (caller, callee) both in room, with nothing left to receive."""

    def pair(room):
        caller, callee = connect(), connect()
        assert caller.join(room)["ok"]
        assert callee.join(room)["ok"]
        caller.received()  # drain peer-joined
        return caller, callee

    return pair
