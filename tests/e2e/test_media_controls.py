"""The call page's screen sharing, camera choice and the states the other side sees,
in real Chromium: what the OTHER side's video shows, and that nothing is renegotiated."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.harness.browsers import tab_sharing_args, two_camera_args

from .checks import TIMEOUT, expect_colour, expect_connected, expect_in_call
from .test_call import call_from
from .test_languages import expect_no_english_prose

RED, BLUE = (254, 0, 0), (0, 0, 254)
YELLOW = (255, 220, 0)
SHARED_TITLE = "SharedYellowTab"  # one word: Chromium matches it against the tabs' titles
SHARED_TAB = f"<title>{SHARED_TITLE}</title><body style='margin: 0; background: rgb{YELLOW}'></body>"

STRINGS = {
    "en": {"share": "Share screen", "stop": "Stop sharing",
           "muted": "Muted", "camera_off": "Camera off", "sharing": "Sharing screen"},
    "zh": {"share": "共享屏幕", "stop": "停止共享",
           "muted": "已静音", "camera_off": "摄像头已关闭", "sharing": "正在共享屏幕"},
}

# The offers and answers this page sent and received, as its message log lists
# them, and the descriptions its peer connection holds now.
DESCRIPTIONS = """() => ({
  logged: [...document.querySelectorAll('#message-log li[data-type="offer"], #message-log li[data-type="answer"]')]
    .map((row) => `${row.dataset.direction} ${row.dataset.type}`),
  local: window.pc.localDescription?.sdp,
  remote: window.pc.remoteDescription?.sdp,
  signaling: window.pc.signalingState,
})"""

# What a video shows, on a 16 x 12 grid of points: how many are the
# fake camera's green background, and how many its bright green figure.
PICTURE = """(id) => {
  const video = document.getElementById(id);
  if (video.readyState < 2 || !video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(video, 0, 0);
  const seen = { background: 0, figure: 0 };
  for (let row = 0; row < 12; row += 1) {
    for (let column = 0; column < 16; column += 1) {
      const x = Math.floor(((column + 0.5) / 16) * canvas.width);
      const y = Math.floor(((row + 0.5) / 12) * canvas.height);
      const [r, g, b] = context.getImageData(x, y, 1, 1).data;
      if (r < 60 && g > 100 && g < 190 && b < 60) seen.background += 1;
      if (r < 130 && g > 220 && b < 80) seen.figure += 1;
    }
  }
  return seen;
}"""
# fake_device_0, and the fake screen: the figure on the green background.
WITH_FIGURE = "(seen) => seen !== null && seen.background > 96 && seen.figure >= 3"
# fake_device_2: the green background alone.
WITHOUT_FIGURE = "(seen) => seen !== null && seen.background > 150 && seen.figure === 0"


def expect_picture(page, predicate, video_id="remote-video"):
    page.wait_for_function(f"(id) => ({predicate})(({PICTURE})(id))", arg=video_id, timeout=TIMEOUT)


def url_in(server, language, path):
    return f"{server}/lang/{language}?next={quote(path)}"


def expect_remote_state(page, *texts):
    """The badges over the other side's video, in order; none at all when no texts."""
    if texts:
        expect(page.locator("#remote-state span")).to_have_text(list(texts), timeout=TIMEOUT)
    else:
        expect(page.locator("#remote-state")).to_be_hidden(timeout=TIMEOUT)


@pytest.fixture(scope="module")
def sharer_browser(launch_browser, fake_videos):
    """A red camera, and getDisplayMedia() captures the tab titled SHARED_TITLE."""
    browser = launch_browser(args=tab_sharing_args(fake_videos["red"], SHARED_TITLE))
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def two_camera_browser(launch_browser):
    browser = launch_browser(args=two_camera_args())
    yield browser
    browser.close()


def test_sharing_a_tab_shows_it_to_the_other_side_without_a_new_offer(
    server, sharer_browser, blue_browser, new_context, open_page, room
):
    url = f"{server}/call?room={room}"
    context = new_context(browser=sharer_browser, permissions=["camera", "microphone"])
    shared = context.new_page()
    shared.set_content(SHARED_TAB)
    red = context.new_page()
    blue = call_from(red, open_page, url, blue_browser)
    before = [page.evaluate(DESCRIPTIONS) for page in (red, blue)]
    assert before[0]["logged"] == ["out offer", "in answer"] and before[0]["signaling"] == "stable"
    share = red.locator("#share-screen")

    share.click()
    expect(share).to_have_text("Stop sharing")
    expect_colour(blue, "remote-video", YELLOW)
    expect_colour(red, "local-video", YELLOW)  # the preview shows what goes out
    expect_remote_state(blue, "Sharing screen")
    assert [page.evaluate(DESCRIPTIONS) for page in (red, blue)] == before

    share.click()
    expect(share).to_have_text("Share screen")
    expect_colour(blue, "remote-video", RED)
    expect_colour(red, "local-video", RED)
    expect_remote_state(blue)

    # Stopped by the browser rather than the button: the shared tab goes away.
    share.click()
    expect_colour(blue, "remote-video", YELLOW)
    shared.close()
    expect_colour(blue, "remote-video", RED)
    expect_colour(red, "local-video", RED)
    expect(share).to_have_text("Share screen")
    expect_remote_state(blue)

    # All along: the same offer and answer, no other in either log.
    assert [page.evaluate(DESCRIPTIONS) for page in (red, blue)] == before


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_other_side_sees_muted_camera_off_and_sharing(server, red_browser, blue_browser, open_page, room,
                                                          language):
    say = STRINGS[language]
    red = open_page(red_browser, url_in(server, language, f"/call?room={room}"))
    blue = open_page(blue_browser, url_in(server, language, f"/call?room={room}"))
    expect_in_call(red, blue)
    expect_remote_state(blue)
    # The states go through the signaling server: the call has no data section.
    for page in (red, blue):
        assert "m=application" not in page.evaluate("() => pc.localDescription.sdp")

    red.click("#toggle-mic")
    expect_remote_state(blue, say["muted"])
    red.click("#toggle-camera")
    expect_remote_state(blue, say["muted"], say["camera_off"])
    red.click("#share-screen")  # this browser's fake screen (--use-fake-ui-for-media-stream)
    expect(red.locator("#share-screen")).to_have_text(say["stop"])
    expect_remote_state(blue, say["muted"], say["camera_off"], say["sharing"])
    red.click("#toggle-camera")
    expect_remote_state(blue, say["muted"], say["sharing"])
    expect_picture(blue, WITH_FIGURE)  # the fake screen: green, as the fake camera's pattern
    if language == "zh":
        expect_no_english_prose(blue)
        expect_no_english_prose(red)

    # After an ICE restart the states still arrive.
    ufrag = blue.evaluate("() => pc.remoteDescription.sdp.match(/a=ice-ufrag:(.*)/)[1]")
    red.evaluate("() => pc.restartIce()")
    blue.wait_for_function("(old) => pc.remoteDescription.sdp.match(/a=ice-ufrag:(.*)/)[1] !== old", arg=ufrag,
                           timeout=TIMEOUT)
    expect_connected(blue)
    red.click("#toggle-mic")
    expect_remote_state(blue, say["sharing"])
    red.click("#toggle-mic")
    expect_remote_state(blue, say["muted"], say["sharing"])

    # A new call (here, the same person joining again) hears the states at once.
    blue.click("#hang-up")
    expect_remote_state(blue)
    blue.click("#rejoin")
    expect_connected(blue)
    expect_remote_state(blue, say["muted"], say["sharing"])
    expect_remote_state(red)  # and blue, who changed nothing, shows no state

    # One who rejoins muted is shown muted at once.
    blue.click("#toggle-mic")
    expect_remote_state(red, say["muted"])
    blue.click("#hang-up")
    expect_remote_state(red)
    blue.click("#rejoin")
    expect_connected(blue)
    expect_remote_state(red, say["muted"])
    expect_remote_state(blue, say["muted"], say["sharing"])


def test_switching_cameras_changes_the_other_sides_picture(server, two_camera_browser, blue_browser, open_page,
                                                          room):
    url = f"{server}/call?room={room}"
    two = open_page(two_camera_browser, url)
    blue = open_page(blue_browser, url)
    expect_connected(two)
    expect_connected(blue)
    expect(blue.locator("#camera-choice")).to_be_hidden()  # one camera: nothing to choose
    choice = two.locator("#camera-select")
    expect(two.locator("#camera-choice")).to_be_visible()
    expect(choice.locator("option")).to_have_text(["fake_device_0", "fake_device_1", "fake_device_2"])
    expect(choice.locator("option:checked")).to_have_text("fake_device_0")
    expect_picture(blue, WITH_FIGURE)
    before = [page.evaluate(DESCRIPTIONS) for page in (two, blue)]

    choice.select_option(label="fake_device_2")
    expect_picture(blue, WITHOUT_FIGURE)
    expect_picture(two, WITHOUT_FIGURE, "local-video")

    # Sharing (the fake screen shows the figure) and back: to the camera chosen last.
    two.click("#share-screen")
    expect_picture(blue, WITH_FIGURE)
    two.click("#share-screen")
    expect_picture(blue, WITHOUT_FIGURE)

    choice.select_option(label="fake_device_0")
    expect_picture(blue, WITH_FIGURE)
    expect_remote_state(blue)  # a camera switch is no state worth a badge
    assert [page.evaluate(DESCRIPTIONS) for page in (two, blue)] == before


# The browser refuses the capture, as Chrome on a Mac without the system's screen
# recording permission does (NotReadableError), or as when the person closes the
# picker (NotAllowedError). Nothing here can make Chromium refuse by itself: with
# the fake UI it always shares, without it headless it never answers.
REFUSED_CAPTURE = """
window.refusal = 'NotReadableError';
if (window.MediaDevices) {  // secure pages only
  MediaDevices.prototype.getDisplayMedia = async () => {
    throw new DOMException('Could not start video source', window.refusal);
  };
}
"""


def test_a_refused_screen_capture_is_said_and_the_call_goes_on(server, red_browser, blue_browser, new_context,
                                                              open_page, room):
    context = new_context(browser=red_browser)
    context.add_init_script(REFUSED_CAPTURE)
    red = context.new_page()
    blue = call_from(red, open_page, f"{server}/call?room={room}", blue_browser)
    red.click("#share-screen")
    expect(red.locator("#media-problem")).to_have_text(
        "Could not share the screen (NotReadableError: Could not start video source).")
    expect(red.locator("#share-screen")).to_have_text("Share screen")
    expect(red.locator("#share-screen")).to_be_enabled()
    red.evaluate("() => { window.refusal = 'NotAllowedError'; }")
    red.click("#share-screen")  # the picker closed: no fault, nothing to say
    expect(red.locator("#media-problem")).to_be_hidden()
    expect_colour(blue, "remote-video", RED)
    expect_remote_state(blue)
