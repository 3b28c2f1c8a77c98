"""Every page is made before the server listens (pages/warmup.py)."""

import pytest

from app import create_app
from pages import rendering
from pages.warmup import warm_up


def every_page(app):
    """The pages a learner can open, in each language: (path, language)."""
    steps = app.extensions["tutorial"].current().steps
    paths = ["/", *(f"/steps/{step.number}?room=warm" for step in steps), "/call?room=warm"]
    return [(path, language) for path in paths for language in ["en", "zh"]]


def test_the_warm_up_opens_the_overview_every_step_and_the_call_page_in_every_language(app):
    opened = warm_up(app)
    assert {(path.split("?")[0], language) for path, language, _ in opened} == {
        (path.split("?")[0], language) for path, language in every_page(app)}
    assert {status for _, _, status in opened} == {200}


def test_after_the_warm_up_no_request_renders_markdown_highlights_code_or_compiles_a_template(app, monkeypatch):
    warm_up(app)

    def made_again(*args, **kwargs):
        raise AssertionError("made on a request, after the warm-up")

    monkeypatch.setattr(rendering.markdown, "markdown", made_again)
    monkeypatch.setattr(rendering, "highlight", made_again)
    monkeypatch.setattr(app.jinja_env, "compile", made_again)
    client = app.test_client()
    for path, language in every_page(app):
        response = client.get(path, headers={"Accept-Language": language})
        assert response.status_code == 200, (path, language)


@pytest.mark.parametrize("path", ["/", "/steps/1?room=same", "/steps/3?room=same"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_page_made_by_the_warm_up_is_the_page_made_on_request(path, language):
    made_on_request, warmed_up = create_app({"ASYNC_MODE": "threading"}), create_app({"ASYNC_MODE": "threading"})
    warm_up(warmed_up)
    pages = [app.test_client().get(path, headers={"Accept-Language": language}).text
             for app in (made_on_request, warmed_up)]
    assert pages[0] == pages[1]
