"""Cutting "the code as of step N" out of steps/lesson.js."""

import re
import shutil
from pathlib import Path

import pytest

from pages.content import Tutorial
from pages.lesson import Lesson, LessonError

STEPS_DIR = Path(__file__).resolve().parents[2] / "steps"
STEP_COUNT = 6


@pytest.fixture(scope="module")
def lesson():
    return Tutorial(STEPS_DIR).lesson


def lines_of(text):
    return text.splitlines()


def nonblank(lines):
    return [line for line in lines if line.strip()]


def line_containing(lesson, step, fragment):
    """The 1-based number of the only line of code(step) that contains fragment."""
    numbers = [n for n, line in enumerate(lines_of(lesson.code(step)), start=1) if fragment in line]
    assert len(numbers) == 1, f"{fragment!r} is on lines {numbers} of step {step}"
    return numbers[0]


# --- the real lesson --------------------------------------------------------


def test_the_lesson_has_a_step_for_each_step_folder_and_each_adds_code(lesson):
    folders = sorted(p.name for p in STEPS_DIR.iterdir() if p.is_dir())
    assert folders == ["1-connect", "2-camera", "3-offer", "4-answer", "5-ontrack", "6-datachannel"]
    assert lesson.step_count == len(folders)
    for step in range(1, STEP_COUNT + 1):
        assert lesson.new_line_numbers(step), f"step {step} adds no code"


@pytest.mark.parametrize(
    ("step", "present", "absent"),
    [
        (1, ["new RTCPeerConnection", "io('/signal', { closeOnBeforeunload: true })", "'join'"],
         ["getUserMedia", "createOffer", "ontrack"]),
        (2, ["getUserMedia", "addTrack"], ["createOffer", "createAnswer", "ontrack"]),
        (3, ["getUserMedia", "createOffer", "onicecandidate"], ["createAnswer", "ontrack"]),
        (4, ["createOffer", "createAnswer", "setRemoteDescription"], ["pc.ontrack"]),
        (5, ["getUserMedia", "createOffer", "createAnswer", "pc.ontrack"], ["createDataChannel", "ondatachannel"]),
        (6, ["pc.ontrack", "pc.createDataChannel('chat')", "pc.ondatachannel", "channel.send(text)", "pc.close()"], []),
    ],
)
def test_each_step_has_what_it_has_taught_so_far_and_nothing_more(lesson, step, present, absent):
    code = lesson.code(step)
    for fragment in present:
        assert fragment in code, f"step {step} should contain {fragment!r}"
    for fragment in absent:
        assert fragment not in code, f"step {step} should not contain {fragment!r} yet"


@pytest.mark.parametrize("step", range(1, STEP_COUNT + 1))
def test_no_step_shows_a_marker(lesson, step):
    assert "// [step" not in lesson.code(step)
    assert "[/step]" not in lesson.code(step)


@pytest.mark.parametrize("step", range(1, STEP_COUNT + 1))
def test_every_step_has_balanced_brackets(lesson, step):
    """A block cut in the wrong place leaves a handler or an if half-open."""
    code = re.sub(r"//[^\n]*", "", lesson.code(step))  # comments, e.g. "page's"
    code = re.sub(r"'[^'\n]*'", "''", code)  # string literals
    closing = {")": "(", "]": "[", "}": "{"}
    stack = []
    for number, line in enumerate(lines_of(code), start=1):
        for char in line:
            if char in "([{":
                stack.append((char, number))
            elif char in closing:
                assert stack and stack[-1][0] == closing[char], (
                    f"step {step}: unmatched {char} on line {number}"
                )
                stack.pop()
    assert stack == [], f"step {step}: unclosed {stack}"


def without(lines, block):
    """lines with the one contiguous run equal to block taken out."""
    if not block:
        return lines
    starts = [i for i in range(len(lines)) if lines[i : i + len(block)] == block]
    assert len(starts) == 1, f"expected the block once, found it at {starts}: {block}"
    return lines[: starts[0]] + lines[starts[0] + len(block) :]


# The run of lines each step drops from the one before: everything else must carry over.
DROPPED = {
    2: [],
    3: [
        "socket.on('peer-joined', () => {",
        "  status.textContent = 'The other tab joined.';",
        "});",
    ],
    4: ["    status.textContent = 'Received an offer. Answering it is step 4.';"],
    5: [],
    6: [],
}


@pytest.mark.parametrize("step", DROPPED)
def test_every_line_of_the_previous_step_is_kept_or_deliberately_dropped(lesson, step):
    before = nonblank(lines_of(lesson.code(step - 1)))
    after = lines_of(lesson.code(step))
    new = set(lesson.new_line_numbers(step))
    carried_over = nonblank(line for n, line in enumerate(after, start=1) if n not in new)

    assert carried_over == without(before, DROPPED[step])


def test_step_3s_placeholder_is_gone_in_step_4(lesson):
    assert "Answering it is step 4" in lesson.code(3)
    assert "Answering it is step 4" not in lesson.code(4)
    assert "Answering it is step 4" not in lesson.code(5)


def test_step_1s_peer_joined_handler_is_replaced_in_step_3(lesson):
    assert "'The other tab joined.'" in lesson.code(2)
    assert "'The other tab joined.'" not in lesson.code(3)
    assert lesson.code(3).count("socket.on('peer-joined'") == 1


def test_every_line_of_step_1_is_new(lesson):
    assert lesson.new_line_numbers(1) == [
        n for n, line in enumerate(lines_of(lesson.code(1)), start=1) if line.strip()
    ]


def test_get_user_media_is_new_in_step_2_only(lesson):
    assert line_containing(lesson, 2, "getUserMedia") in lesson.new_line_numbers(2)
    assert line_containing(lesson, 3, "getUserMedia") not in lesson.new_line_numbers(3)


@pytest.mark.parametrize(
    ("step", "fragment"),
    [(3, "pc.createOffer()"), (4, "pc.createAnswer()"), (5, "pc.ontrack"), (6, "pc.ondatachannel")],
)
def test_the_step_that_introduces_a_call_marks_it_new(lesson, step, fragment):
    assert line_containing(lesson, step, fragment) in lesson.new_line_numbers(step)
    if step < STEP_COUNT:
        assert line_containing(lesson, step + 1, fragment) not in lesson.new_line_numbers(step + 1)


@pytest.mark.parametrize("step", range(1, STEP_COUNT + 1))
def test_new_lines_are_never_blank(lesson, step):
    code = lines_of(lesson.code(step))
    assert all(code[n - 1].strip() for n in lesson.new_line_numbers(step))


def test_step_6_creates_its_channel_before_the_offer(lesson):
    """Created after the offer, the channel has no section in the SDP and never opens."""
    code = lesson.code(6)
    assert code.index("pc.createDataChannel('chat')") < code.index("pc.createOffer()")
    assert code.count("createDataChannel") == 1  # the caller's only: the callee is handed it


def test_diff_shows_added_and_removed_lines(lesson):
    diff = lesson.diff(3)

    assert diff.startswith("--- step 2\n+++ step 3\n")
    assert "+  const offer = await pc.createOffer();\n" in diff
    assert "+pc.onicecandidate = ({ candidate }) => {\n" in diff
    assert "-  status.textContent = 'The other tab joined.';\n" in diff
    assert "getUserMedia" not in diff  # unchanged and far from any change


@pytest.mark.parametrize("step", range(2, STEP_COUNT + 1))
def test_diff_adds_every_new_line(lesson, step):
    code = lines_of(lesson.code(step))
    added = {
        line[1:]
        for line in lines_of(lesson.diff(step))
        if line.startswith("+") and not line.startswith("+++ ")
    }
    for number in lesson.new_line_numbers(step):
        assert code[number - 1] in added


def test_diff_of_step_1_starts_from_nothing(lesson):
    diff = lines_of(lesson.diff(1))

    assert diff[:2] == ["--- empty", "+++ step 1"]
    assert [line[1:] for line in diff[3:]] == lines_of(lesson.code(1))
    assert all(line.startswith("+") for line in diff[3:])


@pytest.mark.parametrize("step", [0, STEP_COUNT + 1, -1])
def test_asking_for_a_step_that_does_not_exist_is_an_error(lesson, step):
    for method in (lesson.code, lesson.new_line_numbers, lesson.diff):
        with pytest.raises(LessonError):
            method(step)


# --- synthetic sources ------------------------------------------------------

SOURCE = """\
everywhere 1
// [step 2+]
from 2 on
// [/step]
// [step 1-2]
in 1 and 2
// [/step]
// [step 3]
only in 3

// [/step]
everywhere 2
"""


@pytest.mark.parametrize(
    ("step", "code"),
    [
        (1, "everywhere 1\nin 1 and 2\neverywhere 2\n"),
        (2, "everywhere 1\nfrom 2 on\nin 1 and 2\neverywhere 2\n"),
        (3, "everywhere 1\nfrom 2 on\nonly in 3\n\neverywhere 2\n"),
    ],
)
def test_blocks_select_lines_by_step(step, code):
    assert Lesson(SOURCE, 3).code(step) == code


@pytest.mark.parametrize(("step", "new"), [(1, [1, 2, 3]), (2, [2]), (3, [3])])
def test_new_lines_are_those_whose_block_starts_at_the_step(step, new):
    # Step 3's block also has a blank line, which is not worth highlighting.
    assert Lesson(SOURCE, 3).new_line_numbers(step) == new


def test_open_ended_block_reaches_the_last_step():
    lesson = Lesson("// [step 2+]\nlate\n// [/step]\n", 4)
    assert [lesson.code(step) for step in (1, 2, 3, 4)] == ["", "late\n", "late\n", "late\n"]


def test_markers_may_be_indented_and_have_trailing_spaces():
    source = "a\n    // [step 2]  \n  b\n  // [/step]\n"
    lesson = Lesson(source, 2)
    assert lesson.code(1) == "a\n"
    assert lesson.code(2) == "a\n  b\n"


def test_windows_line_endings_are_understood():
    lesson = Lesson("a\r\n// [step 2]\r\nb\r\n// [/step]\r\n", 2)
    assert lesson.code(1) == "a\r\n"
    assert lesson.code(2) == "a\r\nb\r\n"


def test_a_source_without_markers_is_the_same_in_every_step():
    lesson = Lesson("one\ntwo\n", 3)
    assert {lesson.code(step) for step in (1, 2, 3)} == {"one\ntwo\n"}
    assert lesson.new_line_numbers(2) == lesson.new_line_numbers(3) == []
    assert lesson.diff(2) == ""


def test_synthetic_diff():
    diff = Lesson(SOURCE, 3).diff(3)
    assert "-in 1 and 2\n" in diff
    assert "+only in 3\n" in diff
    assert " from 2 on\n" in diff


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("// [step 2+]\n// [step 3]\nx\n// [/step]\n// [/step]\n", "nest"),
        ("// [step 2+]\nx\n", "not closed"),
        ("x\n// [/step]\n", "without an open block"),
        ("// [step 0+]\nx\n// [/step]\n", "out of range"),
        ("// [step 4]\nx\n// [/step]\n", "out of range"),
        ("// [step 2-4]\nx\n// [/step]\n", "out of range"),
        ("// [step 3-2]\nx\n// [/step]\n", "out of range"),
    ],
    ids=[
        "nested",
        "unclosed",
        "stray close",
        "step 0",
        "step 4 of 3",
        "range past the end",
        "reversed range",
    ],
)
def test_malformed_sources_are_rejected(source, message):
    with pytest.raises(LessonError, match=message):
        Lesson(source, 3)


def test_a_broken_lesson_stops_the_app_loading_and_names_the_line(tmp_path):
    shutil.copytree(STEPS_DIR, tmp_path / "steps")
    lesson_js = tmp_path / "steps" / "lesson.js"
    lesson_js.write_text("const a = 1;\n// [step 2+]\nconst b = 2;\n", encoding="utf-8")
    with pytest.raises(LessonError, match="the last block is not closed"):
        Tutorial(tmp_path / "steps")
    lesson_js.write_text("// [step 9]\nx\n// [/step]\n", encoding="utf-8")
    with pytest.raises(LessonError, match="line 1: steps 9-9 are out of range"):
        Tutorial(tmp_path / "steps")
