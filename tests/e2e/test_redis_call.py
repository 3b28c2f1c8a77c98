"""A call between two real browsers whose pages are served by two app processes
sharing one real Redis (--message-queue): red's page on one, blue's on the other,
under each async mode. Every signal between them crosses Redis."""

import pytest

import serving
from tests.harness.redis_server import two_app_processes

from .checks import expect_in_call, expect_status


@pytest.fixture(scope="module", params=serving.ASYNC_MODES)
def two_processes(request, redis):
    with two_app_processes(request.param, redis.url) as (one, two):
        yield one.url, two.url


def test_a_call_between_peers_on_two_processes(two_processes, red_browser, blue_browser, open_page, room):
    one, two = two_processes
    red = open_page(red_browser, f"{one}/call?room={room}")
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, f"{two}/call?room={room}")
    expect_in_call(red, blue)  # each shows the other's camera: red sees blue, blue sees red
    blue.click("#hang-up")
    expect_status(red, "The other person left")
