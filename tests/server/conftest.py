"""The real server as a subprocess, once per module and async mode: each module
that asks for `server` runs against eventlet, gevent and threading in turn.
A module may define `server_args`: more command-line arguments for its server."""

import pytest

import serving
from tests.harness.server import server_process


@pytest.fixture(scope="module")
def server_args():
    return ()


@pytest.fixture(scope="module", params=serving.ASYNC_MODES)
def server(request, server_args):
    with server_process(request.param, extra_args=server_args) as started:
        yield started
