"""The pages: the overview, the five steps, the finished call, and what they load."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from . import ice, language, phone
from .links import local_path, new_room_name
from .rendering import code_css

bp = Blueprint("pages", __name__)


def tutorial():
    return current_app.extensions["tutorial"]  # loaded by pages.init_app


def current_language():
    return language.current(tutorial().languages)


@bp.app_context_processor
def page_context():
    lang = current_language()
    return {
        "lang": lang,
        "languages": tutorial().languages,
        "t": tutorial().ui(lang),
        "steps": tutorial().steps,
    }


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
    """Exactly the code the step page shows: the page runs what it teaches."""
    tutorial().step(number) or abort(404)
    return unchanging_file(tutorial().lesson.code(number), "text/javascript")


@bp.get("/call")
def call():
    if "room" not in request.args:
        return redirect(url_for("pages.call", **request.args, room=new_room_name()))
    page = render_template(
        "call.html",
        room=request.args["room"],
        text=tutorial().page_text("call", current_language()),
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
    """A file made by the app that changes only with a new version: with an ETag,
    a browser asks "still the same?" and gets a bodiless 304."""
    response = current_app.response_class(text, mimetype=mimetype)
    response.add_etag()
    return response.make_conditional(request)
