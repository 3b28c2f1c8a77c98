"""The HTTP side: the tutorial's pages, as a Flask blueprint.

    routes.py      the pages and the files made for them
    language.py    which language a request is answered in
    links.py       fresh room names, and redirects that stay on this site
    security.py    the headers every response carries (CSP and others)
    ice.py         the ICE servers handed to the call page
    content.py     the step folders, page texts and interface strings
    lesson.py      "the code as of step N", cut out of steps/lesson.js
    rendering.py   Markdown and highlighted code, as HTML

`init_app(app)` loads the content and registers the blueprint.
"""

from pathlib import Path

from . import security
from .content import Tutorial
from .routes import bp


def init_app(app):
    # STEPS_DIR: the tutorial's content; ICE_SERVERS: RTCIceServer dicts for the
    # call page, empty on one machine or one LAN (across the internet: STUN, TURN).
    app.config.setdefault("STEPS_DIR", Path(app.root_path) / "steps")
    app.config.setdefault("ICE_SERVERS", [])
    app.extensions["tutorial"] = Tutorial(app.config["STEPS_DIR"])
    app.register_blueprint(bp)
    app.after_request(security.add_headers)


def tutorial(app):
    """The content that init_app loaded for this app."""
    return app.extensions["tutorial"]
