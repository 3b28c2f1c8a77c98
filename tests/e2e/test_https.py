"""`python app.py --https` in two real Chromium processes, as a learner's laptop and
phone would use it (the tests' contexts accept the self-signed certificate, as a
person does once per device): a private call over https and wss, the QR code of
the room link, and the certificate help in both languages."""

import pytest
from playwright.sync_api import expect

from tests.harness.media import rgb_of
from tests.harness.qr import texts_in_png
from tests.harness.server import running_server

from .checks import expect_in_call, expect_status


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "ignore_https_errors": True}


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    with running_server("eventlet", ("--https", "--instance-path", str(tmp_path_factory.mktemp("instance")))) as url:
        yield url


def test_a_private_call_over_https_and_the_qr_code_of_its_link(https_server, red_browser, blue_browser, open_page):
    assert https_server.startswith("https://")
    owner = open_page(red_browser, f"{https_server}/call?private=1")
    expect_status(owner, "Waiting for someone")
    link = owner.url
    assert link.startswith(f"{https_server}/call?room=") and "#key=" in link

    # What a phone's camera reads off the owner's screen: the whole link, key included.
    code = owner.locator("#room-qr svg")
    expect(code).to_be_visible()
    assert texts_in_png(owner.locator("#room-qr").screenshot()) == [link]
    expect(owner.locator("#room-link")).to_have_text(link)
    # Served on 127.0.0.1 only: the page says a phone cannot reach it.
    expect(owner.locator("#phone-address")).to_contain_text("This server listens on this computer only")

    friend = open_page(blue_browser, link)
    expect_in_call(owner, friend)  # each side sees the other's camera: red sees blue, blue sees red
    assert owner.evaluate("location.protocol") == "https:" and friend.evaluate("window.isSecureContext")
    assert rgb_of("red") != rgb_of("blue")


def test_the_certificate_warning_is_explained_in_both_languages(https_server, red_browser, open_page):
    page = open_page(red_browser, f"{https_server}/call?room=certificate-help")
    expect(page.locator("#certificate-what")).to_be_visible()
    expect(page.locator("#certificate-what")).to_contain_text("No authority vouches for it")
    expect(page.locator("#certificate-how")).to_contain_text("Accept the Risk and Continue")
    page.click("text=中文")
    expect(page.locator("#phone-title")).to_have_text("用手机加入")
    expect(page.locator("#certificate-what")).to_be_visible()
    expect(page.locator("#certificate-what")).to_contain_text("没有任何证书机构为它担保")
    expect(page.locator("#certificate-how")).to_contain_text("接受风险并继续")
