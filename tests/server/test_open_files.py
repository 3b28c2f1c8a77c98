"""A server started with a low limit on open files still takes a classroom's
connections: it raises its own soft limit (serving/open_files.py)."""

import resource
import subprocess
import sys

import pytest

import serving
from tests.harness.raw_socketio import RawSocketIO
from tests.harness.server import ROOT, server_process

SOFT = 64  # below the 100 clients here, and what each would cost (two descriptors under gevent)
CLIENTS = 100


def started_with_soft_limit(soft):
    """A preexec_fn: the child starts with this soft limit on open files, its hard one unchanged."""
    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    return lower


@pytest.mark.parametrize("async_mode", serving.ASYNC_MODES)
def test_a_server_started_with_a_low_open_file_limit_takes_a_hundred_clients(async_mode):
    with server_process(async_mode, preexec_fn=started_with_soft_limit(SOFT)) as server:
        clients = []
        try:
            for i in range(CLIENTS):
                clients.append(RawSocketIO(server.url))
                assert clients[-1].call(1, "join", {"room": f"limit-{i // 2}"})["ok"] is True
            assert server.clients() == CLIENTS
        finally:
            for client in clients:
                client.close()


def soft_limit_after_raising(soft, hard, wanted):
    """The soft limit a process started with (soft, hard) has after raise_open_file_limit(wanted)."""
    code = ("import resource, sys; from serving.open_files import raise_open_file_limit; "
            f"resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard})); "
            f"print(raise_open_file_limit({wanted}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    returned, in_force = map(int, out.split())
    assert returned == in_force
    return in_force


def test_the_soft_limit_rises_to_what_is_wanted_within_the_hard_limit():
    assert soft_limit_after_raising(64, 4096, 1000) == 1000
    assert soft_limit_after_raising(64, 512, 65536) == 512


def test_a_soft_limit_already_higher_is_left_as_it_is():
    assert soft_limit_after_raising(2000, 4096, 1000) == 2000


def test_without_a_limit_on_open_files_as_on_windows_there_is_nothing_to_raise():
    code = ("import sys; sys.modules['resource'] = None; "  # so that importing it fails, as on Windows
            "from serving.open_files import raise_open_file_limit; print(raise_open_file_limit())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "None"
