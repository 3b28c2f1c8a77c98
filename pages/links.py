"""Links the pages make: fresh room names, and redirects that stay on this site."""

import secrets
from urllib.parse import urlsplit


def new_room_name():
    return secrets.token_urlsafe(6)  # 8 characters, all valid in a room name


def local_path(target):
    """Only redirect within this site: keep the path and query, drop any host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")
