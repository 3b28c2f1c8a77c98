"""Fixtures shared by the namespace tests: a fresh app and its connected clients.

Apps run in threading mode: eventlet must never monkey-patch the pytest process.
"""

import gc
import os

import pytest

import signaling
from app import create_app
from tests.harness import nginx, redis_server, turn
from tests.harness.signal_client import Peer


@pytest.fixture(autouse=True)
def measure_without_the_clients_own_pauses(request):
    """A quiet test measures the server's latency from this process, which holds
    some 120,000 objects (every test module, Playwright, Hypothesis): a full
    collection of them paused it for 70 ms, counted as the server's. Frozen, what
    exists before the test is left out of the collector's walks."""
    if request.node.get_closest_marker("quiet") is None:
        yield
        return
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture
def config():
    """Extra app config; override in a test module to change limits."""
    return {}


@pytest.fixture
def app(config):
    return create_app({"ASYNC_MODE": "threading", **config})


@pytest.fixture
def registry(app):
    return signaling.of(app).rooms


@pytest.fixture
def connect(app):
    """connect() -> a new connected Peer; connect(address) from another client address."""
    def connect(address="127.0.0.1"):
        return Peer(signaling.of(app).test_client(address))

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


def require(found, message):
    """A program the tests need: skipped without it on a laptop, failed in CI
    (where .ci/run installs it)."""
    if not found:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def redis():
    """A real redis-server on a free loopback port, without persistence, for one
    test module; stopped after it."""
    require(redis_server.program(), "redis-server is not installed (apt-get install redis-server, "
                                    "or python tests/run.py --install)")
    with redis_server.redis_server() as server:
        yield server


@pytest.fixture(scope="session")
def turn_server():
    """A real coturn on a free loopback port, with a random static-auth-secret,
    stopped after the session. Without turnserver: skipped on a laptop, failed
    in CI (where .ci/run installs it)."""
    require(turn.turnserver(), "coturn's turnserver is not installed (apt-get install coturn, "
                               "or python tests/run.py --install)")
    with turn.coturn() as server:
        yield server


@pytest.fixture(scope="session")
def nginx_installed():
    """Tests of the example nginx configuration need nginx. Without it: skipped on
    a laptop, failed in CI (where .ci/run installs it)."""
    require(nginx.nginx_program(), "nginx is not installed (apt-get install nginx, or python tests/run.py --install)")
