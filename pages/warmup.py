"""Every page made once before the server listens.

The first request for a page renders its Markdown, highlights its code and
compiles its templates: 20-140 ms of the process (about 0.6 s for every page in
both languages). When a class opened a step at the same moment, just after start,
each request's thread did that same work at once, and the relays of the calls in
progress waited for the GIL behind them: under threading, with eight clients
asking for a step page 40 times a second, the p99 relay latency was 47-79 ms with
cold pages and 7-18 ms once they were made. Made before the server listens (and
frozen with the rest of the start: serving.freeze_what_start_made), they cost a
request nothing but the template's run. An edit of the content later is made again
on the next request, as before (content.LiveTutorial).
"""

from .links import new_room_name


def warm_up(app):
    """Ask for the overview, every step and the call page, in every language,
    as a browser would; return [(path, language, status)]. A page that fails
    answers with its error, here as on a real request: the server still starts."""
    tutorial = app.extensions["tutorial"].current()
    room = new_room_name()
    paths = ["/", *(f"/steps/{step.number}?room={room}" for step in tutorial.steps), f"/call?room={room}"]
    client = app.test_client()
    return [(path, language, client.get(path, headers={"Accept-Language": language}).status_code)
            for language in tutorial.languages for path in paths]
