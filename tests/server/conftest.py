"""The real server as a subprocess, once per module and async mode: each module
that asks for `server` runs against eventlet, gevent and threading in turn."""

import pytest

import serving
from tests.harness.server import server_process


@pytest.fixture(scope="module", params=serving.ASYNC_MODES)
def server(request):
    with server_process(request.param) as started:
        yield started
