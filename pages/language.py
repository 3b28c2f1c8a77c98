"""Which language a request is answered in: the visitor's choice, else their browser's."""

from flask import g, request

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def current(languages):
    """The language of this request, chosen once among `languages` and kept for the rest of it."""
    if "language" not in g:
        g.language = choose(languages)
    return g.language


def choose(languages):
    chosen = request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def remember(response, language):
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, samesite="Lax")
    return response
