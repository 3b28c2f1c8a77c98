"""Each step's "Try it yourself": the change its text quotes, made in a copy of
steps/lesson.js that a server reads while it runs, does what the text promises.
And a reload always shows the file as it is now, broken or not."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.harness.media import rgb_of
from tests.harness.server import ROOT, running_server

from .checks import TIMEOUT, expect_colour, expect_connected, expect_status
from .conftest import console_of
from .test_steps import SHOWN_CODE, logged, open_two_tabs

# Per step: the lines the text says to change, and what to change them to.
EXERCISES = {
    1: ("const room = new URLSearchParams(location.search).get('room');", "const room = 'my room!';"),
    2: ("  audio: true,", "  audio: false,"),
    3: ("    if (pc.remoteDescription) {\n"
        "      await pc.addIceCandidate(message.candidate);\n"
        "    } else {\n"
        "      earlyCandidates.push(message.candidate);\n"
        "    }\n",
        "    await pc.addIceCandidate(message.candidate);\n"),
    4: ("    await pc.setLocalDescription(answer);\n", ""),
    5: ("pc.ontrack = ({ streams }) => {\n",
        "pc.ontrack = ({ track, streams }) => {\n  console.log('track', track.kind, pc.connectionState);\n"),
    6: ("  useChannel(pc.createDataChannel('chat'));\n",
        "  setTimeout(() => useChannel(pc.createDataChannel('chat')), 1000);\n"),
}
# The second exercise of the steps that have two.
SECOND_EXERCISES = {
    6: ("  item.textContent = `${who}: ${text}`;\n", "  item.innerHTML = `${who}: ${text}`;\n"),
}


@pytest.fixture(scope="module")
def steps_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edited") / "steps"
    shutil.copytree(ROOT / "steps", folder)
    return folder


@pytest.fixture(scope="module")
def edited_server(steps_copy):
    with running_server("eventlet", ["--steps-dir", str(steps_copy)]) as url:
        yield url


@pytest.fixture
def lesson_js(steps_copy):
    """The copy's lesson.js, as it was again after the test."""
    path = steps_copy / "lesson.js"
    original = path.read_text(encoding="utf-8")
    yield path
    path.write_text(original, encoding="utf-8")


def change(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in lesson.js"
    path.write_text(text.replace(old, new), encoding="utf-8")


def step_text(step, language):
    return next((ROOT / "steps").glob(f"{step}-*/{language}.md")).read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("step", "exercise"), [*EXERCISES.items(), *SECOND_EXERCISES.items()])
def test_each_steps_text_quotes_the_change_its_exercise_makes(step, exercise, language):
    text = step_text(step, language)
    old, new = exercise
    for lines in (old, new):
        for line in lines.strip("\n").splitlines():
            assert line.strip() in text, f"step {step} ({language}) does not quote {line.strip()!r}"


def test_an_edit_of_the_lesson_shows_and_runs_after_a_reload(edited_server, page, lesson_js, room):
    page.goto(f"{edited_server}/steps/1?room={room}")
    expect_status(page, "Joined. Waiting for a second tab...")
    change(lesson_js, "'Joined. Waiting for a second tab...'", "'Joined, and edited. Waiting...'")
    page.reload()
    expect_status(page, "Joined, and edited. Waiting...")
    shown = page.evaluate(SHOWN_CODE)
    loaded = page.evaluate("(src) => fetch(src).then((r) => r.text())",
                           page.locator('script[type="module"]').get_attribute("src"))
    assert "'Joined, and edited. Waiting...'" in shown
    assert shown.rstrip("\n") == loaded.rstrip("\n")


def test_a_broken_edit_names_the_file_and_the_line_on_the_page(edited_server, page, open_page, lesson_js, room):
    change(lesson_js, "// [/step]\n// [step 2+]\n", "// [step 2+]\n")  # step 1's block left open
    open_page.expected_errors.append(r"status of 500")  # the page's own answer, as it should be
    response = page.goto(f"{edited_server}/steps/2?room={room}")
    assert response.status == 500
    expect(page.locator("h1")).to_have_text("A file of the tutorial has a mistake")
    expect(page.locator("#content-problem")).to_have_text(
        "steps/lesson.js, line 12: blocks do not nest; close the previous one")
    change(lesson_js, "// [step 2+]\n", "// [/step]\n// [step 2+]\n")
    page.reload()
    expect(page.locator("h1")).to_have_text("Camera and microphone")


def test_a_typo_stops_the_code_and_the_console_says_where(edited_server, red_browser, new_context, open_page,
                                                         lesson_js, room):
    """What step 1's text says of an edit JavaScript cannot parse."""
    change(lesson_js, "const pc = new RTCPeerConnection();", "const pc = new RTCPeerConnection(;")
    open_page.expected_errors.append(r"uncaught Unexpected token")
    page = new_context(browser=red_browser).new_page()
    thrown = []  # what the console shows: the error, with the file and line it is at
    devtools = page.context.new_cdp_session(page)
    devtools.on("Runtime.exceptionThrown", lambda event: thrown.append(event["exceptionDetails"]))
    devtools.send("Runtime.enable")
    page.goto(f"{edited_server}/lang/en?next=/steps/1%3Froom%3D{room}")
    expect(page.locator("#socket-state")).to_have_text("connecting")
    page.wait_for_timeout(2000)
    expect(page.locator("#status")).to_have_text("Starting…")
    assert [(d["exception"]["className"], d["url"].rsplit("/", 1)[-1], d["lineNumber"] + 1) for d in thrown] == [
        ("SyntaxError", "lesson.js", 9)], thrown  # line 9 of step 1's listing


def apply_exercise(lesson_js, step):
    change(lesson_js, *EXERCISES[step])


def test_step_1_exercise_a_room_the_server_refuses(edited_server, red_browser, open_page, lesson_js, room):
    apply_exercise(lesson_js, 1)
    page = open_page(red_browser, f"{edited_server}/steps/1?room={room}")
    expect_status(page, "A room name is 1-64 characters: letters A-Z or a-z, digits, '-' and '_'.")
    expect(page.locator("#message-log li", has_text="join ✗ invalid-room")).to_have_count(1)
    expect(page.locator("#socket-state")).to_have_text("connected")


def test_step_2_exercise_video_only(edited_server, red_browser, blue_browser, open_page, lesson_js, room):
    apply_exercise(lesson_js, 2)
    first, _ = open_two_tabs(open_page, edited_server, room, 2, red_browser, blue_browser)
    expect_colour(first, "local-video", rgb_of("red"))
    expect(first.locator("#tracks li")).to_have_count(1)
    expect(first.locator('#tracks li[data-kind="video"]')).to_have_count(1)
    assert first.evaluate("pc.getSenders().map((s) => s.track.kind)") == ["video"]


def test_step_3_exercise_without_the_queue_add_ice_candidate_fails(
    edited_server, red_browser, blue_browser, new_context, open_page, lesson_js, room
):
    apply_exercise(lesson_js, 3)
    open_page.expected_errors.append(r"addIceCandidate")
    url = f"{edited_server}/steps/3?room={room}"
    caller = open_page(red_browser, url)
    expect_status(caller, "Waiting for a second tab")
    callee = new_context(browser=blue_browser).new_page()
    errors = []
    callee.on("pageerror", lambda error: errors.append(str(error)))
    callee.goto(url)
    expect(logged(callee, "in", "signal", "candidate").first).to_be_attached(timeout=TIMEOUT)
    callee.wait_for_timeout(1000)
    received = logged(callee, "in", "signal", "candidate").count()
    assert received >= 1
    failed = [e for e in errors if "addIceCandidate" in e and "The remote description was null" in e]
    assert len(failed) == received, errors


def test_step_4_exercise_an_answer_never_applied_never_connects(
    edited_server, red_browser, blue_browser, open_page, lesson_js, room
):
    apply_exercise(lesson_js, 4)
    caller, callee = open_two_tabs(open_page, edited_server, room, 4, red_browser, blue_browser)
    expect_status(caller, "The other tab answered.")
    expect(caller.locator("#signaling-state")).to_have_text("stable")
    expect(callee.locator("#signaling-state")).to_have_text("have-remote-offer")
    callee.wait_for_timeout(5000)
    expect(logged(callee, "out", "signal", "candidate")).to_have_count(0)
    for page in (caller, callee):
        expect(page.locator("#connection-state")).not_to_have_text("connected")


def test_step_5_exercise_ontrack_fires_twice_before_the_connection_is_up(
    edited_server, red_browser, blue_browser, open_page, lesson_js, room
):
    apply_exercise(lesson_js, 5)
    caller, callee = open_two_tabs(open_page, edited_server, room, 5, red_browser, blue_browser)
    for page in (caller, callee):
        expect_connected(page)
        expect_colour(page, "remote-video", rgb_of("blue" if page is caller else "red"))
        tracks = [line for line in console_of(page) if line.startswith("log: track ")]
        assert sorted(line.split()[2] for line in tracks) == ["audio", "video"], tracks
        assert not any(line.endswith(" connected") for line in tracks), tracks


def test_step_6_exercise_a_channel_created_after_the_offer_never_opens(
    edited_server, red_browser, blue_browser, open_page, lesson_js, room
):
    apply_exercise(lesson_js, 6)
    caller, callee = open_two_tabs(open_page, edited_server, room, 6, red_browser, blue_browser)
    expect_colour(caller, "remote-video", rgb_of("blue"))  # the call itself works
    expect_colour(callee, "remote-video", rgb_of("red"))
    expect(caller.locator("#chat-state")).to_have_text("connecting")  # created, a second later
    caller.wait_for_timeout(3000)
    expect(caller.locator("#chat-state")).to_have_text("connecting")
    expect(callee.locator("#chat-state")).to_have_text("–")
    for page in (caller, callee):
        expect(page.locator("#chat-input")).to_be_disabled()
        expect(page.locator("#status")).not_to_contain_text("data channel")
    caller.click("#sdp-sent summary")
    expect(caller.locator("#sdp-sent .sdp li", has_text="m=video")).to_have_count(1)
    expect(caller.locator("#sdp-sent .sdp li", has_text="m=application")).to_have_count(0)


def test_step_6_second_exercise_the_other_tabs_markup_becomes_part_of_the_page(
    edited_server, red_browser, blue_browser, open_page, lesson_js, room
):
    change(lesson_js, *SECOND_EXERCISES[6])
    caller, callee = open_two_tabs(open_page, edited_server, room, 6, red_browser, blue_browser)
    expect(caller.locator("#chat-state")).to_have_text("open", timeout=TIMEOUT)
    caller.locator("#chat-input").fill("<b>hello</b>")
    caller.locator("#chat-input").press("Enter")
    for page in (caller, callee):
        expect(page.locator("#chat-log li b")).to_have_text("hello")
        expect(page.locator("#chat-log li")).not_to_contain_text("<b>")
