"""What a user would see, read from the page: states, colours, sound."""

import time

from playwright.sync_api import expect

from tests.harness.media import rgb_of

TIMEOUT = 15_000

CENTRE_PIXEL = """(id) => {
  const video = document.getElementById(id);
  if (!video || video.readyState < 2 || !video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  context.drawImage(video, 0, 0);
  const { data } = context.getImageData(canvas.width >> 1, canvas.height >> 1, 1, 1);
  return [data[0], data[1], data[2]];
}"""

COLOUR_CLOSE = f"""([id, want, tolerance]) => {{
  const got = ({CENTRE_PIXEL})(id);
  return got !== null && got.every((value, i) => Math.abs(value - want[i]) <= tolerance);
}}"""

AUDIO_ARRIVING = """async () => {
  if (!window.pc) return false;
  const stats = await window.pc.getStats();
  for (const report of stats.values()) {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') {
      return report.packetsReceived > 0 && report.totalAudioEnergy > 0;
    }
  }
  return false;
}"""


# What a person would read off the page: its status line, the inspector's
# states, the centre of each video, and the last messages in the log.
SEEN = f"""() => {{
  const text = (id) => document.getElementById(id)?.textContent.trim() ?? null;
  const centre = {CENTRE_PIXEL};
  const rows = [...document.querySelectorAll('#message-log li')].slice(-6);
  return {{
    status: text('status'),
    status_state: document.getElementById('status')?.dataset.state ?? null,
    socket: text('socket-state'),
    signaling: text('signaling-state'),
    ice: text('ice-state'),
    connection: text('connection-state'),
    // window.pc is the connection the page uses now; the panels show the states
    // of the one whose state changed last.
    pc_signaling: window.pc?.signalingState ?? null,
    pc_ice: window.pc?.iceConnectionState ?? null,
    pc_ice_gathering: window.pc?.iceGatheringState ?? null,
    local_video_centre: centre('local-video'),
    remote_video_centre: centre('remote-video'),
    last_messages: rows.map((row) => row.textContent.replace(/\\s+/g, ' ').trim()),
    // The candidates inside each description ("a=candidate:" lines).
    candidates_in_local_sdp: window.pc?.localDescription?.sdp.match(/^a=candidate:/gm)?.length ?? null,
    candidates_in_remote_sdp: window.pc?.remoteDescription?.sdp.match(/^a=candidate:/gm)?.length ?? null,
  }};
}}"""


def describe_page(page, console=()):
    """A few lines saying what this page showed, and the end of its console, for a
    failed test's report."""
    if page.is_closed():
        return f"{page.url}: closed"
    try:
        seen = page.evaluate(SEEN)
    except Exception as error:  # a crashed page still deserves a line in the report
        seen = {"could not be read": error}
    lines = [page.url, *(f"  {name}: {value}" for name, value in seen.items())]
    return "\n".join([*lines, *(f"  console {line}" for line in list(console)[-10:])])


def centre_pixel(page, video_id):
    return page.evaluate(CENTRE_PIXEL, video_id)


def expect_colour(page, video_id, rgb, tolerance=40):
    """Wait until the centre of the video shows this colour (VP8 shifts it a little)."""
    page.wait_for_function(COLOUR_CLOSE, arg=[video_id, list(rgb), tolerance], timeout=TIMEOUT)


def expect_connected(page):
    expect(page.locator("#connection-state")).to_have_text("connected", timeout=TIMEOUT)


def expect_status(page, text):
    expect(page.locator("#status")).to_contain_text(text, timeout=TIMEOUT)


def expect_remote_audio(page):
    wait_for_async(page, AUDIO_ARRIVING)


def expect_no_remote_video(page):
    """The remote <video> shows nothing: no stream attached, no frame decoded."""
    page.wait_for_function(
        "() => { const v = document.getElementById('remote-video');"
        " return v.srcObject === null && v.videoWidth === 0; }",
        timeout=TIMEOUT,
    )


def expect_in_call(red_page, blue_page):
    """Both connected, and each shows the OTHER camera: the red one sees blue, and vice versa."""
    expect_connected(red_page)
    expect_connected(blue_page)
    expect_colour(red_page, "remote-video", rgb_of("blue"))
    expect_colour(blue_page, "remote-video", rgb_of("red"))


def wait_for_async(page, script, until=bool, timeout=TIMEOUT):
    """Evaluate an async page function until until(its value) holds, and return the value.
    (page.wait_for_function does not await a Promise: it takes one as truthy at once.)"""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(script)
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout} ms")
        page.wait_for_timeout(100)


# The candidate types of the pair ICE selected, [local, remote], or null.
SELECTED_PAIR = """async () => {
  if (!window.pc) return null;
  const stats = await window.pc.getStats();
  const transport = [...stats.values()].find((report) => report.type === 'transport' && report.selectedCandidatePairId);
  const pair = transport && stats.get(transport.selectedCandidatePairId);
  if (!pair) return null;
  return [stats.get(pair.localCandidateId).candidateType, stats.get(pair.remoteCandidateId).candidateType];
}"""


def expect_selected_pair(page, local, remote):
    """The pair ICE selected joins a candidate of type `local` to one of type `remote`."""
    wait_for_async(page, SELECTED_PAIR, until=lambda pair: pair == [local, remote])
