"""The pages a learner opens, through Flask's test client."""

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

import pages
from signaling.protocol import ROOM_NAME

STEPS_DIR = Path(__file__).resolve().parents[2] / "steps"
JS_MIMETYPES = {"text/javascript", "application/javascript"}
XSS = "<script>alert(1)</script>"


class Tags(HTMLParser):
    """Every start tag of a page, as (tag, attributes)."""

    def __init__(self, text):
        super().__init__()
        self.found = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag, **attrs):
        return [a for t, a in self.found if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def ids(self):
        return {a["id"] for _, a in self.found if "id" in a}

    def hrefs(self):
        return {a["href"] for t, a in self.found if t == "a" and "href" in a}


def page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


def room_of(location):
    """The room a redirect sends to, checked to be one the signaling server accepts."""
    rooms = parse_qs(urlsplit(location).query)["room"]
    assert len(rooms) == 1
    assert ROOM_NAME.fullmatch(rooms[0]), rooms[0]
    return rooms[0]


def highlighted_lines(text):
    """The code lines a page highlights: Pygments wraps each in <span class="hll">...\n</span>."""
    lines = re.findall(r'<span class="hll">(.*)\n</span>', text)
    lines = [re.sub(r'<span class="linenos">\s*\d+</span>', "", line) for line in lines]
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in lines]


def where_a_browser_goes(location, page_url="http://localhost/lang/zh"):
    """Resolve a Location header as a browser does: tabs and newlines dropped, "\\" read as "/"."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    return urlsplit(urljoin(page_url, cleaned))


def first_heading(markdown_file):
    return (STEPS_DIR / markdown_file).read_text(encoding="utf-8").splitlines()[0].lstrip("# ")


# --- overview ---------------------------------------------------------------


def test_overview_links_every_step_and_the_call(client):
    text = page(client, "/")
    hrefs = Tags(text).hrefs()

    assert {f"/steps/{n}" for n in range(1, 7)} <= hrefs
    assert "/call" in hrefs
    assert "<svg" in text
    assert '<html lang="en">' in text
    assert first_heading("overview.en.md") in text


# --- step pages -------------------------------------------------------------


def test_a_step_without_a_room_redirects_to_a_fresh_room(client):
    first = client.get("/steps/3")
    second = client.get("/steps/3")

    assert first.status_code == 302
    assert urlsplit(first.headers["Location"]).path == "/steps/3"
    assert room_of(first.headers["Location"]) != room_of(second.headers["Location"])


def test_a_step_page_has_both_videos_and_runs_its_own_code(client):
    tags = Tags(page(client, "/steps/3?room=abc"))

    assert {"local-video", "remote-video", "status", "room-name"} <= tags.ids()
    assert tags.all("script", type="module", src="/steps/3/lesson.js")
    assert tags.all("script", src="/static/vendor/socket.io/socket.io.min.js")


def test_a_step_page_highlights_exactly_the_new_lines(client, app):
    lesson = pages.tutorial(app).lesson
    code = lesson.code(3).splitlines()
    new = [code[n - 1] for n in lesson.new_line_numbers(3)]

    shown = highlighted_lines(page(client, "/steps/3?room=abc"))

    assert shown == new
    assert any("pc.createOffer()" in line for line in shown)
    assert not any("getUserMedia" in line for line in shown)


def test_a_step_page_shows_the_whole_program(client):
    text = html.unescape(re.sub(r"<[^>]+>", "", page(client, "/steps/2?room=abc")))

    assert "navigator.mediaDevices.getUserMedia" in text
    assert "new RTCPeerConnection()" in text


@pytest.mark.parametrize("number", range(1, 7))
def test_the_lesson_js_of_a_step_is_the_code_as_of_that_step(client, app, number):
    response = client.get(f"/steps/{number}/lesson.js")

    assert response.status_code == 200
    assert response.mimetype in JS_MIMETYPES
    assert response.get_data(as_text=True) == pages.tutorial(app).lesson.code(number)


@pytest.mark.parametrize(
    "url",
    ["/steps/0", "/steps/7", "/steps/0?room=abc", "/steps/7?room=abc", "/steps/7/lesson.js", "/steps/x"],
)
def test_steps_that_do_not_exist_are_not_found(client, url):
    assert client.get(url).status_code == 404


def element_ids_the_code_looks_up(code):
    return set(re.findall(r"document\.getElementById\('([^']+)'\)", code))


@pytest.mark.parametrize("number", range(1, 7))
def test_every_element_a_steps_code_looks_up_is_on_its_page_and_in_its_download(client, app, number):
    """The chat's form is there from step 6, where the code starts to use it."""
    wanted = element_ids_the_code_looks_up(pages.tutorial(app).lesson.code(number))
    assert {"status", "local-video", "remote-video"} <= wanted
    assert wanted <= Tags(page(client, f"/steps/{number}?room=abc")).ids()
    assert wanted <= Tags(page(client, f"/steps/{number}/download?room=abc")).ids()


@pytest.mark.parametrize("number", range(1, 6))
def test_steps_before_the_data_channel_have_no_chat(client, number):
    assert "chat-form" not in Tags(page(client, f"/steps/{number}?room=abc")).ids()


@pytest.mark.parametrize(
    ("language", "strings"),
    [("en", ["Chat over the data channel", "Message", "Send", 'data-me="You"', 'data-peer="Other tab"']),
     ("zh", ["通过数据通道聊天", "消息", "发送", 'data-me="我"', 'data-peer="另一个标签页"'])],
)
def test_step_6s_chat_is_labelled_in_the_pages_language(client, language, strings):
    text = page(client, "/steps/6?room=abc", headers={"Accept-Language": language})
    tags = Tags(text)
    # A labelled box and a submit button in one form, closed until the channel opens.
    assert tags.all("form", id="chat-form")
    assert tags.all("label", **{"for": "chat-input"})
    assert tags.all("input", id="chat-input", name="message")
    assert tags.all("button", type="submit")
    assert "disabled" in tags.all("fieldset", id="chat-fields")[0]
    assert tags.all("ol", id="chat-log")[0]["aria-live"] == "polite"
    for string in strings:
        assert string in text, string
    assert "6 / 6" in text


def test_step_5_leads_to_step_6_and_step_6_to_the_call(client):
    assert "/steps/6" in Tags(page(client, "/steps/5?room=abc")).hrefs()
    hrefs = Tags(page(client, "/steps/6?room=abc")).hrefs()
    assert {"/steps/5", "/call"} <= hrefs and "/steps/7" not in hrefs


# --- the call ---------------------------------------------------------------


def test_the_call_without_a_room_redirects_to_a_fresh_room(client):
    response = client.get("/call")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/call"
    room_of(response.headers["Location"])


def test_the_call_page_has_a_hang_up_button(client):
    text = page(client, "/call?room=x")
    tags = Tags(text)

    assert tags.all("button", id="hang-up")
    assert "Hang up" in text
    assert {"local-video", "remote-video"} <= tags.ids()
    assert tags.all("script", type="module", src="/static/js/call.js")


@pytest.mark.parametrize("path", ["/call", "/steps/3"])
def test_a_hostile_room_name_is_escaped(client, path):
    text = page(client, path, query_string={"room": XSS})

    assert XSS not in text
    assert html.escape(XSS, quote=False) in text  # shown as text, harmlessly


# --- languages --------------------------------------------------------------


def test_choosing_a_language_sets_a_cookie_and_goes_back(client):
    response = client.get("/lang/zh", query_string={"next": "/steps/2?room=abc"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/steps/2?room=abc"
    assert "lang=zh" in response.headers["Set-Cookie"]

    text = page(client, "/")
    assert '<html lang="zh">' in text
    assert first_heading("overview.zh.md") in text


def test_choosing_a_language_without_next_goes_home(client):
    response = client.get("/lang/zh")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "https://evil.example/steps/1",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        " //evil.example/",
        "javascript:alert(1)",
    ],
)
def test_choosing_a_language_never_redirects_off_site(client, target):
    response = client.get("/lang/zh", query_string={"next": target})

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/")
    assert where_a_browser_goes(location).netloc == "localhost", location


def test_an_unknown_language_is_not_found(client):
    assert client.get("/lang/xx").status_code == 404


@pytest.mark.parametrize(
    ("cookie", "accept_language"),
    [("zh", None), (None, "zh-CN,zh;q=0.9"), ("zh", "en-US,en;q=0.9")],
    ids=["cookie", "accept-language", "cookie over accept-language"],
)
def test_the_overview_speaks_chinese_when_asked(client, cookie, accept_language):
    if cookie:
        client.set_cookie("lang", cookie)
    headers = {"Accept-Language": accept_language} if accept_language else {}

    text = page(client, "/", headers=headers)

    assert '<html lang="zh">' in text
    assert first_heading("overview.zh.md") in text
    assert first_heading("overview.en.md") not in text


def test_an_english_cookie_beats_a_chinese_browser(client):
    client.set_cookie("lang", "en")

    text = page(client, "/", headers={"Accept-Language": "zh-CN"})

    assert '<html lang="en">' in text
    assert first_heading("overview.en.md") in text


# --- assets -----------------------------------------------------------------


def test_the_socket_io_client_is_served(client):
    with client.get("/static/vendor/socket.io/socket.io.min.js") as response:
        assert response.status_code == 200
        assert response.mimetype in JS_MIMETYPES
        assert len(response.data) > 10_000


def test_pygments_css_is_served(client):
    response = client.get("/pygments.css")

    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert ".code .hll" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/steps/2?room=r", "/call?room=r", "/steps/2/lesson.js"])
def test_every_response_carries_the_content_security_policy(client, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_pages_have_no_inline_script_to_run(client):
    """Only data blocks (type=application/json) may be inline: the policy would block the rest."""
    for path in ["/", "/steps/1?room=r", "/steps/6?room=r", "/call?room=r"]:
        html = client.get(path).get_data(as_text=True)
        for attributes, _ in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attributes or 'type="application/json"' in attributes, (path, attributes)
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers
        assert " style=" not in html, path


@pytest.mark.parametrize("path", ["/static/css/app.css", "/steps/3/lesson.js", "/pygments.css"])
def test_files_carry_an_etag_and_an_unchanged_one_is_not_sent_again(client, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert (again.status_code, again.get_data()) == (304, b"")


def test_healthz_names_the_process_and_has_no_queue_to_check_in_one_process(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "pid": os.getpid(), "async_mode": "threading", "message_queue": None}
    assert response.headers["Cache-Control"] == "no-store"
