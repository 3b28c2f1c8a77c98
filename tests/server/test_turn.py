"""A real TURN server (coturn, --use-auth-secret) and the credentials the call
page gets: it allocates relays with them, refuses them under another secret,
and refuses them once they expire as --turn-ttl says."""

import time

from app import create_app
from pages.turn import credentials
from tests.harness.turn import allocate

UNAUTHORIZED = 401


def page_credentials(secret, turn_url, ttl=3600):
    """The username and credential a call page of an app with this secret gets
    (from the address the page fetches fresh ones from)."""
    app = create_app({"ASYNC_MODE": "threading", "TURN_URLS": [turn_url], "TURN_SECRET": secret, "TURN_TTL": ttl})
    relay = app.test_client().get("/call/rtc-configuration").get_json()["iceServers"][-1]
    return relay["username"], relay["credential"]


def test_the_turn_server_allocates_a_relay_with_a_pages_credentials(turn_server):
    assert allocate(turn_server.port, *page_credentials(turn_server.secret, turn_server.url)) is None


def test_credentials_made_with_another_secret_are_refused(turn_server):
    username, credential = page_credentials("not-" + turn_server.secret, turn_server.url)
    assert allocate(turn_server.port, username, credential) == UNAUTHORIZED


def test_a_changed_credential_or_username_is_refused(turn_server):
    username, credential = page_credentials(turn_server.secret, turn_server.url)
    # One character changed (replacing the last two with "A=" changed nothing when they were that already).
    tampered = ("B" if credential[0] == "A" else "A") + credential[1:]
    assert allocate(turn_server.port, username, tampered) == UNAUTHORIZED
    later = f"{int(username.split(':')[0]) + 3600}:{username.split(':')[1]}"  # a longer life, same credential
    assert allocate(turn_server.port, later, credential) == UNAUTHORIZED


def test_credentials_expire_as_the_ttl_says(turn_server):
    username, credential = page_credentials(turn_server.secret, turn_server.url, ttl=2)
    assert allocate(turn_server.port, username, credential) is None
    time.sleep(max(0.0, int(username.split(":")[0]) + 1.2 - time.time()))  # past the expiry
    assert allocate(turn_server.port, username, credential) == UNAUTHORIZED


def test_credentials_minted_a_ttl_ago_are_refused_and_younger_ones_taken(turn_server):
    expired = credentials(turn_server.secret, 600, now=time.time() - 601)
    young = credentials(turn_server.secret, 600, now=time.time() - 540)
    assert allocate(turn_server.port, *expired) == UNAUTHORIZED
    assert allocate(turn_server.port, *young) is None
