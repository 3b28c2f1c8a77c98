"""'Download this step': one HTML file, the step's code in it unchanged."""

import re

import pytest

from pages import download, tutorial


def scripts(text):
    return re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)


@pytest.mark.parametrize("step", range(1, 7))
def test_a_step_downloads_as_one_html_file_with_its_code_unchanged(app, client, step):
    response = client.get(f"/steps/{step}/download?room=my-room")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == f'attachment; filename="webrtc-step-{step}.html"'
    found = scripts(response.text)
    # Everything inline: no src, nothing to fetch but the socket.
    assert [attrs.strip() for attrs, _ in found] == ["", "", 'type="module"']
    assert "src=" not in response.text and "<link" not in response.text
    assert found[2][1].strip("\n ") == tutorial(app).lesson.code(step).strip("\n ")
    assert "socket.io" in found[0][1] and "sourceMappingURL" not in found[0][1]
    prelude = found[1][1]
    assert 'const SERVER = "http://localhost/";' in prelude  # this server, as the request named it
    assert 'const ROOM = "my-room";' in prelude
    assert '"Could not connect to http://localhost/. Is the server running?' in prelude


def test_the_download_speaks_the_pages_language(client):
    text = client.get("/steps/2/download", headers={"Accept-Language": "zh"}).text
    assert '<html lang="zh">' in text and "这个页面是从教程下载的" in text
    assert "无法连接 http://localhost/。" in scripts(text)[1][1]


def test_without_a_room_the_download_gets_a_fresh_one(client):
    prelude = scripts(client.get("/steps/5/download").text)[1][1]
    assert re.search(r'const ROOM = "[A-Za-z0-9_-]{8}";', prelude)


def test_a_room_the_server_would_refuse_becomes_a_fresh_one(client):
    text = client.get("/steps/1/download", query_string={"room": "</script><b>x"}).text
    assert "<b>x" not in text
    assert len(scripts(text)) == 3
    assert re.search(r'const ROOM = "[A-Za-z0-9_-]{8}";', scripts(text)[1][1])


def test_no_script_can_end_early():
    assert str(download.inline_script('a = "</script>"; // <!-- x')) == 'a = "<\\/script>"; // <\\!-- x'


def test_there_is_no_download_of_a_step_that_does_not_exist(client):
    assert client.get("/steps/7/download").status_code == 404


def test_the_step_page_links_to_its_download_with_its_room(client):
    text = client.get("/steps/4?room=abc", headers={"Accept-Language": "en"}).text
    assert 'id="download-step" href="/steps/4/download?room=abc" download' in text
