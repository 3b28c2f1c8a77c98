"""The connection doctor: each verdict on the call page, caused for real, read
off the page as a person would (the problem line under the videos).

Some causes need a browser unlike the suite's two: one that grants no camera
by itself and may not use loopback for calls (the "strict" browser), launched
for this module.
(This side's TURN verdicts, 401 and 701, are caused in test_turn.py.)
"""

import json
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.harness.browsers import CHROMIUM_ARGS
from tests.harness.media import rgb_of
from tests.harness.server import server_process

from .checks import TIMEOUT, expect_colour, expect_connected, expect_status
from .test_turn import turn_app

# A name that is not localhost: a page there over http:// is no secure context.
LAN_NAME = "lan.test"
STALL_TIMEOUT = TIMEOUT + 5_000  # the doctor waits 5 s (doctor.js STALL_MS) before a stall counts


def without(args, *dropped):
    return [arg for arg in args if arg not in dropped]


@pytest.fixture(scope="module")
def strict_browser(launch_browser):
    """A browser as a new user has it: it asks before opening the camera (and,
    headless, nobody answers: denied), and, like Chromium by default, gathers no
    loopback candidates, which inside the tests' loopback-only namespace means
    none at all. lan.test resolves to this machine."""
    args = without(CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection")
    browser = launch_browser(args=[*args, "--deny-permission-prompts",
                                   f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1"])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def lan_server():
    """The app, also answering to lan.test (as it would to its LAN name)."""
    with server_process(extra_args=["--allow-host", LAN_NAME]) as server:
        yield server


def problem_line(page):
    return page.locator("#problem")


def expect_verdict(page, name, words):
    expect(problem_line(page)).to_contain_text(words, timeout=STALL_TIMEOUT)
    expect(problem_line(page)).to_have_attribute("data-problem", name)
    expect(problem_line(page)).to_be_visible()


# Before the page's scripts run (modules wait for the end of parsing), edit its configuration.
EDIT_CONFIGURATION = """([before, after]) => document.addEventListener('readystatechange', () => {
  const config = document.getElementById('call-config');
  if (document.readyState === 'interactive' && config) config.textContent = config.textContent.replace(before, after);
})"""


def edit_configuration(page, before, after):
    """The page's RTCConfiguration, with `before` replaced by `after` in its JSON."""
    page.add_init_script(f"({EDIT_CONFIGURATION})({json.dumps([before, after])})")


def in_chinese(server, path):
    return f"{server}/lang/zh?next={quote(path)}"


# ---- The camera ---------------------------------------------------------------


def test_a_blocked_camera_is_named_with_the_fix(server, strict_browser, open_page, room):
    open_page.expected_errors.append("uncaught Permission denied")
    page = open_page(strict_browser, f"{server}/call?room={room}")
    expect_verdict(page, "camera_blocked", "The camera and microphone were blocked (NotAllowedError). Allow them")


def test_a_blocked_camera_in_chinese(server, strict_browser, open_page, room):
    open_page.expected_errors.append("uncaught Permission denied")
    page = open_page(strict_browser, in_chinese(server, f"/call?room={room}"))
    expect_verdict(page, "camera_blocked", "摄像头和麦克风被阻止了（NotAllowedError）")


def test_a_page_over_http_off_localhost_says_it_is_not_secure(lan_server, strict_browser, open_page, room):
    open_page.expected_errors.append("is not a secure context")
    url = f"http://{LAN_NAME}:{lan_server.port}"
    page = open_page(strict_browser, f"{url}/call?room={room}")
    assert page.evaluate("() => window.isSecureContext") is False
    expect_verdict(page, "insecure_page", f"The browser allows the camera only on secure pages, and {url} is not one")


# ---- The network --------------------------------------------------------------


def test_no_network_address_at_all_is_named_on_both_sides(server, strict_browser, red_browser, new_context,
                                                          open_page, room):
    """The strict browser gathers no candidate (loopback only, not allowed for
    calls): it says so at once; the other side learns it from its report."""
    url = f"{server}/call?room={room}"
    lonely = new_context(browser=strict_browser, permissions=["camera", "microphone"]).new_page()
    lonely.goto(url)
    expect_status(lonely, "Waiting for someone")
    expect_verdict(lonely, "no_candidates", "This browser found no network address to call from")
    red = open_page(red_browser, url)
    expect_verdict(red, "peer_no_candidates", "The other person's browser found no network address")
    expect(red.locator("#connection-state")).not_to_have_text("connected")


def test_relays_only_without_a_turn_server(server, red_browser, open_page, room):
    """The server refuses to start so; a page whose configuration was edited
    (here before its scripts run) still gets the verdict."""
    page = open_page(red_browser, "about:blank")
    edit_configuration(page, '"iceTransportPolicy": "all"', '"iceTransportPolicy": "relay"')
    page.goto(in_chinese(server, f"/call?room={room}"))
    expect_verdict(page, "relay_without_turn", "但配置里没有任何 TURN 服务器")
    assert page.evaluate("() => window.pc.getConfiguration().iceTransportPolicy") == "relay"
    page.goto(f"{server}/lang/en?next={quote(f'/call?room={room}')}")
    expect_verdict(page, "relay_without_turn", "its configuration names no TURN server")


@pytest.fixture(scope="module")
def relay_server(turn_server):
    with turn_app(turn_server.url, turn_server.secret) as server:
        yield server.url


def test_the_other_side_hears_why_its_peer_has_no_relay(relay_server, turn_server, red_browser, blue_browser,
                                                       new_context, open_page, room):
    """Relays only; one page's credential is spoilt before its scripts run: that page
    says the TURN server refused it, and its peer learns it from its report."""
    url = f"{relay_server}/call?room={room}"
    red = new_context(browser=red_browser).new_page()
    edit_configuration(red, '"credential": "', '"credential": "spoilt-')
    red.goto(url)
    expect_verdict(red, "turn_refused", f"The TURN server {turn_server.url} refused this page's credentials (401")
    blue = open_page(blue_browser, url)
    expect_verdict(blue, "peer_turn_problem", "The other person's browser could not use the TURN server (error 401)")
    expect(blue.locator("#connection-state")).not_to_have_text("connected")


def test_host_candidates_only_that_cannot_reach_each_other(server, red_browser, blue_browser, open_page, room,
                                                          udp_blackout):
    """Both sides have only host candidates (no STUN, no TURN) and no path
    between them (UDP blackholed): as two devices on different networks."""
    udp_blackout(True)
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url)
    expect_status(red, "Waiting for someone")
    blue = open_page(blue_browser, in_chinese(server, f"/call?room={room}"))
    expect_verdict(red, "lan_only", "each found only its local network addresses (host candidates)")
    expect_verdict(blue, "lan_only", "各自只找到了本地网络地址")
    udp_blackout(False)


# ---- The picture --------------------------------------------------------------


# Chromium lets a page that uses the camera play sound by itself, whatever its
# --autoplay-policy (tried: document-user-activation-required; a page without
# capture is refused, the call page is not), so no Chromium here refuses to
# play the call. Safari and Firefox can: this makes the page's browser behave
# as they do, refusing play() with sound until a click, and autoplay altogether.
REFUSE_TO_PLAY_WITHOUT_A_CLICK = """
// (Playwright's own calls into a page count as activation: wait for a click.)
let clicked = false;
addEventListener('click', (event) => { clicked ||= event.isTrusted; }, true);
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  if (this.muted || clicked) return play.call(this);
  return Promise.reject(new DOMException("play() can only be initiated by a user gesture.", "NotAllowedError"));
};
document.addEventListener('readystatechange', () => {
  if (document.readyState === 'interactive') document.getElementById('remote-video')?.removeAttribute('autoplay');
});
"""


def test_a_video_the_browser_would_not_play_plays_after_a_click(server, red_browser, blue_browser, new_context,
                                                                 open_page, room):
    url = f"{server}/call?room={room}"
    red = open_page(red_browser, url)
    expect_status(red, "Waiting for someone")
    blue = new_context(browser=blue_browser).new_page()
    blue.add_init_script(REFUSE_TO_PLAY_WITHOUT_A_CLICK)
    blue.goto(in_chinese(server, f"/call?room={room}"))
    expect_connected(blue)
    expect_verdict(blue, "autoplay_blocked", "浏览器没有让对方的视频自动播放")
    assert blue.evaluate("() => document.getElementById('remote-video').paused") is True
    blue.get_by_role("button", name="播放").click()
    expect_colour(blue, "remote-video", rgb_of("red"))
    expect(problem_line(blue)).to_be_hidden()
    expect(blue.locator("#play-remote")).to_be_hidden()


# ---- The verdicts no browser here can cause: doctor.js on its own -------------

DIAGNOSE = """async (evidence) => {
  const { diagnose } = await import('/static/js/doctor.js');
  const none = { host: 0, srflx: 0, prflx: 0, relay: 0 };
  return diagnose({
    secureContext: true, mediaError: null, configuration: { iceServers: [] }, gathering: 'complete',
    connection: 'connecting', stalled: true, autoplayBlocked: false, remote: null,
    ...evidence,
    local: { candidates: { ...none, ...evidence.local }, errors: evidence.localErrors ?? [] },
    remote: evidence.remote && { candidates: { ...none, ...evidence.remote }, errors: evidence.remoteErrors ?? [] },
  })?.name ?? null;
}"""


@pytest.mark.parametrize(("evidence", "verdict"), [
    ({"local": {"host": 1, "srflx": 1}, "remote": {"host": 1}, "remoteErrors": [401]}, "peer_turn_problem"),
    ({"local": {"host": 1, "srflx": 1}, "remote": {"host": 2, "relay": 1}}, "no_path"),
    ({"local": {"host": 1}, "remote": None}, "no_path"),  # a peer that sends no report
    ({"local": {"host": 1}, "remote": {"host": 1}}, "lan_only"),
    ({"local": {"host": 1}, "remote": {"host": 1}, "stalled": False}, None),
    ({"local": {"host": 1}, "remote": {"host": 1}, "connection": "connected"}, None),
    ({"local": {}, "gathering": "gathering", "stalled": False}, None),
    ({"local": {}, "configuration": {"iceServers": [{"urls": ["stun:s.example", "turns:t.example:443"]}],
                                     "iceTransportPolicy": "relay"}}, "no_candidates"),
], ids=["the peer's TURN problem", "no path", "no report", "lan only", "not stalled yet", "connected",
        "still gathering", "relay policy with a TURN server"])
def test_the_doctor_on_its_own(server, red_browser, open_page, room, evidence, verdict):
    page = open_page(red_browser, f"{server}/call?room={room}")
    assert page.evaluate(DIAGNOSE, evidence) == verdict
