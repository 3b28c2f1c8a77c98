"""Markdown and highlighted code, as HTML (Python-Markdown and Pygments)."""

import markdown
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer, JavascriptLexer


def render_markdown(text):
    html = markdown.markdown(text, extensions=["fenced_code", "codehilite", "tables"])
    return Markup(focusable_panels(html, "codehilite"))


def javascript_html(code, marked_lines=(), first_line=1):
    """Code with line numbers from first_line on; the 1-based `marked_lines`
    (counted from the code's first line) are highlighted."""
    formatter = HtmlFormatter(cssclass="code", linenos="inline", linenostart=first_line, hl_lines=list(marked_lines))
    return Markup(focusable_panels(highlight(code, JavascriptLexer(), formatter), "code"))


def diff_html(diff):
    return Markup(focusable_panels(highlight(diff, DiffLexer(), HtmlFormatter(cssclass="code")), "code"))


def focusable_panels(html, css_class):
    """Code panels scroll sideways when a line is long: in the Tab order, a
    keyboard can scroll them too (with the arrow keys)."""
    return html.replace(f'<div class="{css_class}">', f'<div class="{css_class}" tabindex="0">')


def code_css():
    """Styles for highlighted code, generated rather than hand-written."""
    return HtmlFormatter().get_style_defs([".code", ".codehilite"])
