"""The pages: the overview, the steps, the finished call, and what they load."""

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, url_for

from signaling.protocol import ROOM_NAME

from . import download, ice, language, phone
from .content import ContentError
from .links import local_path, new_room_name
from .rendering import code_css

bp = Blueprint("pages", __name__)


def tutorial():
    """The content as its files are now, read once per request (a few stats; the
    files are loaded again only after an edit: see content.LiveTutorial)."""
    if "tutorial" not in g:
        g.tutorial = current_app.extensions["tutorial"].current()  # made by pages.init_app
    return g.tutorial


def shown_tutorial():
    """What the page's frame (menu, strings) comes from: the content, or while
    an edit has broken it, the last content that loaded."""
    try:
        return tutorial()
    except ContentError:
        return current_app.extensions["tutorial"].last_good


def current_language():
    return language.current(shown_tutorial().languages)


@bp.app_context_processor
def page_context():
    lang = current_language()
    shown = shown_tutorial()
    return {
        "lang": lang,
        "languages": shown.languages,
        "t": shown.ui(lang),
        "steps": shown.steps,
    }


@bp.app_errorhandler(ContentError)
def content_error(error):
    """An edit broke steps/ (say, an unclosed block in lesson.js): say which file
    and what, instead of a traceback; the next request after the fix works."""
    return render_template("content_error.html", problem=str(error)), 500, NOT_STORED


@bp.get("/")
def overview():
    return render_template("overview.html", text=tutorial().page_text("overview", current_language()))


@bp.get("/steps/<int:number>")
def step(number):
    found = tutorial().step(number) or abort(404)
    if "room" not in request.args:
        return redirect(url_for("pages.step", number=number, room=new_room_name()))
    return render_template(
        "step.html",
        step=found,
        room=request.args["room"],
        explanation=found.explanation(current_language()),
        code=tutorial().code_html(number),
        diff=tutorial().diff_html(number),
    )


@bp.get("/steps/<int:number>/lesson.js")
def step_code(number):
    """Exactly the code the step page shows: the page runs what it teaches.
    Its ETag is its text's: after an edit of steps/lesson.js, a reload gets the new code."""
    tutorial().step(number) or abort(404)
    return unchanging_file(tutorial().lesson.code(number), "text/javascript")


@bp.get("/steps/<int:number>/download")
def step_download(number):
    """The step as one HTML file to keep: its code, the Socket.IO client, and a
    few lines that point the socket at this server (see download.py)."""
    tutorial().step(number) or abort(404)
    room = request.args.get("room", "")
    if not ROOM_NAME.fullmatch(room):  # one the server would refuse: a fresh one instead
        room = new_room_name()
    unreachable = tutorial().ui(current_language())["download_unreachable"]
    page = download.standalone_page(tutorial().lesson.code(number), number, room, request.host_url, unreachable)
    return page, {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Disposition": f'attachment; filename="webrtc-step-{number}.html"',
        **NOT_STORED,
    }


@bp.get("/call")
def call():
    if "room" not in request.args:
        return redirect(url_for("pages.call", **request.args, room=new_room_name()))
    page = render_template(
        "call.html",
        room=request.args["room"],
        sections=tutorial().sections("call", current_language()),
        rtc_config=ice.rtc_configuration(current_app.config),
        phone_origin=phone_origin(),
        page_on_loopback=phone.is_loopback(request.host),
        refresh_seconds=ice.refresh_seconds(current_app.config),
    )
    # Its TURN credentials are this page's alone: no cache keeps them for another.
    return page, NOT_STORED


@bp.get("/call/rtc-configuration")
def call_configuration():
    """Fresh TURN credentials for a call page that stays open (see call.js)."""
    return ice.rtc_configuration(current_app.config), NOT_STORED


NOT_STORED = {"Cache-Control": "no-store"}


def phone_origin():
    return phone.phone_origin(request.host, request.host_url, current_app.config["LAN_URLS"])


@bp.post("/call/qr")
def call_qr():
    """The QR code of a room link, as SVG, for the link in the POST body (see
    phone.py: the private key never goes in a URL, and is never logged)."""
    body = request.get_json(silent=True)
    try:
        link = phone.room_link(body.get("link") if isinstance(body, dict) else None,
                               phone_origin() or request.host_url)
    except ValueError as error:
        abort(400, str(error))
    response = jsonify(link=link, svg=phone.svg(phone.qr_code(link)))
    response.headers["Cache-Control"] = "no-store"  # it holds the key
    return response


@bp.get("/lang/<chosen>")
def choose_language(chosen):
    if chosen not in tutorial().languages:
        abort(404)
    return language.remember(redirect(local_path(request.args.get("next"))), chosen)


@bp.get("/pygments.css")
def code_styles():
    return unchanging_file(code_css(), "text/css")


def unchanging_file(text, mimetype):
    """A file made by the app that changes only with a new version or an edit:
    with an ETag and no-cache, a browser asks "still the same?" each time and
    gets a bodiless 304 until it changes."""
    response = current_app.response_class(text, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/healthz")
def health():
    """For a load balancer or a supervisor: this process and, with a message queue,
    whether Redis answers; 503 when something is wrong."""
    well, report = current_app.extensions["signaling"].health()
    return jsonify({"ok": well, **report}), 200 if well else 503, NOT_STORED
