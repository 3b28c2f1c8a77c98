"""Joining from a phone: the QR code of the room link, through Flask's test client."""

import logging
import tomllib
from pathlib import Path

import pytest

from app import create_app
from tests.harness.qr import texts_in_svg

KEY = "Zm9yLWEtcGhvbmUtb25seQ"
PATH = f"/call?room=kitchen#key={KEY}"
LAN = ["https://192.168.1.20:8443/", "https://10.0.0.7:8443/"]
STEPS = Path(__file__).parents[2] / "steps"


def make_app(**config):
    return create_app({"ASYNC_MODE": "threading", "ALLOWED_HOSTS": ["192.168.1.20"], **config})


def qr(app, body, host="localhost"):
    return app.test_client().post("/call/qr", json=body, headers={"Host": host})


def call_page(app, host="localhost", lang="en"):
    response = app.test_client().get("/call?room=kitchen", headers={"Host": host, "Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_on_a_lan_address_the_code_holds_the_page_link_with_its_key():
    reply = qr(make_app(LAN_URLS=LAN), {"link": PATH}, host="192.168.1.20:8443")
    assert reply.status_code == 200
    assert reply.json["link"] == f"http://192.168.1.20:8443{PATH}"
    assert texts_in_svg(reply.json["svg"]) == [reply.json["link"]]
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.json["svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg" ')  # parsed as XML


@pytest.mark.parametrize("host", ["localhost:8443", "127.0.0.1:8443", "[::1]:8443"])
def test_on_localhost_the_code_points_at_the_lan_address_a_phone_can_open(host):
    app = make_app(LAN_URLS=LAN)
    reply = qr(app, {"link": PATH}, host=host)
    assert reply.json["link"] == f"https://192.168.1.20:8443{PATH}"
    assert texts_in_svg(reply.json["svg"]) == [f"https://192.168.1.20:8443{PATH}"]
    page = call_page(app, host)
    assert "which a phone cannot reach, so the code points at this computer&#39;s address on the network: " \
           "<code>https://192.168.1.20:8443/</code>" in page


def test_on_loopback_only_the_page_says_a_phone_cannot_open_it():
    app = make_app()
    assert qr(app, {"link": PATH}).json["link"] == f"http://localhost{PATH}"
    page = call_page(app)
    assert "This server listens on this computer only" in page
    assert "<code>python app.py --https --host 0.0.0.0</code>" in page


def test_over_http_on_the_network_the_page_says_phones_need_https():
    page = call_page(make_app(), host="192.168.1.20:8080")
    assert "It opens this page&#39;s own address. Phones open the camera only over https" in page


@pytest.mark.parametrize("body", [None, "text", {}, {"link": 5}, {"link": "https://evil.example/call?room=a"},
                                  {"link": "//evil.example/call?room=a"}, {"link": "/steps/1?room=a"},
                                  {"link": "/call?room=a\n"}, {"link": "/call?room=a b"},
                                  {"link": "/call?room=" + "a" * 1024}])
def test_anything_but_a_call_link_is_refused(body):
    response = make_app().test_client().post("/call/qr", json=body) if body is not None else \
        make_app().test_client().post("/call/qr", data="link=/call?room=a")
    assert response.status_code == 400


def test_the_link_never_goes_in_a_url():
    """No GET: a query string would put the key in access logs."""
    assert make_app().test_client().get(f"/call/qr?link={PATH}").status_code == 405


def test_the_key_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    assert qr(make_app(), {"link": PATH}).status_code == 200
    assert qr(make_app(), {"link": PATH + "\x00"}).status_code == 400
    assert KEY not in caplog.text


def test_the_page_says_what_the_certificate_warning_is_in_both_languages():
    app = make_app()
    for lang in ("en", "zh"):
        strings = tomllib.loads((STEPS / f"ui.{lang}.toml").read_text())
        page = call_page(app, lang=lang)
        for key in ("phone_title", "phone_scan", "certificate_title", "certificate_what", "certificate_how"):
            assert strings[key].replace("'", "&#39;") in page, (lang, key)
    english = tomllib.loads((STEPS / "ui.en.toml").read_text())
    chinese = tomllib.loads((STEPS / "ui.zh.toml").read_text())
    new = [key for key in english if key.startswith(("phone_", "certificate_"))]
    assert len(new) == 10 and all(chinese[key] != english[key] for key in new)
