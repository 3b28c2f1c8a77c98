"""TURN credentials minted per call page, in coturn's use-auth-secret scheme."""

import base64
import hashlib
import hmac
import json
import re
import time

import pytest

from app import create_app
from pages import turn

SECRET = "north-wind-7"
TURN_URLS = ["turn:turn.example.org:3478", "turn:turn.example.org:3478?transport=tcp"]


def expected_credential(secret, username):
    """What coturn computes, written out again here rather than imported."""
    return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def test_the_credential_is_the_hmac_of_the_username_under_the_secret():
    username, credential = turn.credentials(SECRET, 3600)
    assert credential == expected_credential(SECRET, username)
    assert credential != expected_credential(SECRET + "x", username)
    assert len(base64.b64decode(credential)) == 20  # SHA-1


def test_the_username_is_the_expiry_and_a_random_id():
    username, _ = turn.credentials(SECRET, 3600, now=1_000_000.7)
    expiry, _, user_id = username.partition(":")
    assert expiry == "1003600"
    assert re.fullmatch(r"[0-9a-f]{16}", user_id)
    assert turn.credentials(SECRET, 3600)[0] != turn.credentials(SECRET, 3600)[0]


def test_the_expiry_is_now_plus_the_ttl():
    before = int(time.time())
    username, _ = turn.credentials(SECRET, 600)
    after = int(time.time())
    assert before + 600 <= int(username.split(":")[0]) <= after + 600


@pytest.mark.parametrize("url", ["turn:turn.example.org", "turns:turn.example.org:5349?transport=tcp",
                                 "turn:127.0.0.1:3478?transport=udp"])
def test_turn_urls_are_accepted(url):
    assert turn.check_url(url) == url


@pytest.mark.parametrize("url", ["stun:stun.example.org", "https://turn.example.org", "turn:", "turn.example.org"])
def test_other_urls_are_refused(url):
    with pytest.raises(ValueError, match="is not a TURN URL"):
        turn.check_url(url)


def call_page_configuration(app, path="/call?room=r"):
    response = app.test_client().get(path)
    page = response.get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="call-config"[^>]*>(.*?)</script>', page)
    return response, page, json.loads(found.group(1))


def turn_app(**config):
    return create_app({"ASYNC_MODE": "threading", "TURN_URLS": TURN_URLS, "TURN_SECRET": SECRET,
                       "TURN_TTL": 7200, **config})


def test_each_call_page_gets_its_own_credentials_and_never_the_secret():
    app = turn_app(ICE_SERVERS=[{"urls": "stun:stun.example.org:3478"}])
    response, page, configuration = call_page_configuration(app)
    stun, relay = configuration["iceServers"]
    assert stun == {"urls": "stun:stun.example.org:3478"}
    assert relay["urls"] == TURN_URLS
    assert relay["credential"] == expected_credential(SECRET, relay["username"])
    assert int(relay["username"].split(":")[0]) == pytest.approx(time.time() + 7200, abs=5)
    assert SECRET not in page
    assert response.headers["Cache-Control"] == "no-store"
    _, _, again = call_page_configuration(app)
    assert again["iceServers"][1]["username"] != relay["username"]


def test_without_turn_the_page_gets_only_the_static_servers_and_every_transport():
    app = create_app({"ASYNC_MODE": "threading"})
    _, page, configuration = call_page_configuration(app)
    assert configuration == {"iceServers": [], "iceTransportPolicy": "all"}
    assert 'data-refresh-seconds=""' in page  # nothing to refresh


def test_a_page_open_for_long_fetches_fresh_credentials_halfway_through_their_life():
    app = turn_app(TURN_TTL=600)
    _, page, configuration = call_page_configuration(app)
    assert 'data-refresh-url="/call/rtc-configuration"' in page and 'data-refresh-seconds="300.0"' in page
    response = app.test_client().get("/call/rtc-configuration")
    fresh = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert fresh["iceServers"][0]["urls"] == TURN_URLS
    assert fresh["iceServers"][0]["username"] != configuration["iceServers"][0]["username"]
    assert fresh["iceServers"][0]["credential"] == expected_credential(SECRET, fresh["iceServers"][0]["username"])
    assert SECRET not in response.get_data(as_text=True)


def test_the_relay_policy_reaches_the_page():
    _, _, configuration = call_page_configuration(turn_app(ICE_TRANSPORT_POLICY="relay"))
    assert configuration["iceTransportPolicy"] == "relay"


def test_step_pages_run_their_own_code_without_the_ice_configuration():
    page = turn_app().test_client().get("/steps/3?room=r").get_data(as_text=True)
    assert "call-config" not in page and "turn.example.org" not in page


def test_turn_urls_without_a_secret_are_refused():
    with pytest.raises(ValueError, match="TURN_SECRET"):
        create_app({"ASYNC_MODE": "threading", "TURN_URLS": TURN_URLS})


@pytest.mark.parametrize(("language", "words"), [("en", "refused this page's credentials"), ("zh", "拒绝了本页的凭据")],
                         ids=["en", "zh"])
def test_the_page_can_say_why_turn_refused_it_in_each_language(language, words):
    client = turn_app().test_client()
    client.get(f"/lang/{language}")
    page = client.get("/call?room=r").get_data(as_text=True)
    strings = json.loads(re.search(r'id="call-strings">(.*?)</script>', page).group(1))
    assert words in strings["problem"]["turn_refused"]
    assert strings["problem"]["turn_unreachable"]
    assert 'id="problem"' in page
