"""Per-address counts on their own, on a clock the test moves."""

import pytest

from signaling.addresses import AddressCounts, AddressLimits, address_key

LIMITS = AddressLimits(connections=2, room_places=1, joins_per_minute=3)


@pytest.fixture
def now():
    return [0.0]


@pytest.fixture
def counts(now):
    return AddressCounts(LIMITS, clock=lambda: now[0])


def test_connections_are_limited_per_address_and_given_back(counts):
    assert [counts.open_connection("192.0.2.1") for _ in range(3)] == [True, True, False]
    assert counts.open_connection("192.0.2.2")  # another address has its own count
    counts.close_connection("192.0.2.1")
    assert counts.open_connection("192.0.2.1")
    assert counts.connections("192.0.2.1") == 2


def test_room_places_are_limited_per_address_and_given_back(counts):
    assert [counts.take_room_place("192.0.2.1") for _ in range(2)] == [True, False]
    assert counts.take_room_place("192.0.2.2")
    counts.free_room_place("192.0.2.1")
    assert counts.room_places("192.0.2.1") == 0
    assert counts.take_room_place("192.0.2.1")


def test_joins_are_limited_per_address_per_minute(counts, now):
    assert [counts.allow_join("192.0.2.1") for _ in range(4)] == [True, True, True, False]
    assert counts.allow_join("192.0.2.2")
    now[0] += 20  # a third of a minute: one join back
    assert [counts.allow_join("192.0.2.1") for _ in range(2)] == [True, False]


def test_an_address_that_holds_nothing_leaves_no_entry(counts):
    counts.open_connection("192.0.2.1")
    counts.close_connection("192.0.2.1")
    counts.take_room_place("192.0.2.1")
    counts.free_room_place("192.0.2.1")
    assert counts._connections == counts._places == {}


def test_join_budgets_of_quiet_addresses_are_forgotten(counts, now):
    """One join each from 1,000 addresses over 100 s: a budget refills in 20 s, so
    about 200 are live at any time; the table stays within twice that, plus slack."""
    largest = 0
    for n in range(1000):
        counts.allow_join(f"10.0.{n // 256}.{n % 256}")
        largest = max(largest, len(counts._joins))
        now[0] += 0.1
    assert largest <= 2 * 201 + 65


@pytest.mark.parametrize(("remote", "key"), [
    ("192.0.2.7", "192.0.2.7"),
    ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client of a dual-stack socket
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # the same home or phone
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    (None, "None"),
    ("", ""),
])
def test_an_address_counts_as_its_ipv4_address_or_its_ipv6_64(remote, key):
    assert address_key(remote) == key
