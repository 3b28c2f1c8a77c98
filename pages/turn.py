"""Short-term TURN credentials, minted for each call page the server sends.

The scheme is coturn's `--use-auth-secret` (the "TURN REST API"): the username
is `<expiry as unix time>:<random id>`, the credential is
base64(HMAC-SHA1(secret, username)). The TURN server, which knows the same
secret, recomputes the credential from the username and refuses it once the
expiry has passed. The secret itself never leaves the server.

A page keeps its credentials for as long as it is open: a page open longer
than the TTL can no longer allocate relays (a new call, an ICE restart) until
it is reloaded. A longer TTL means fewer such pages, and a leaked credential
that works for longer.
"""

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

DEFAULT_TTL = 86400  # a day


def check_url(text):
    """A turn: or turns: URL, as RTCIceServer.urls takes it; ValueError otherwise."""
    parts = urlsplit(text)
    if parts.scheme not in ("turn", "turns") or not parts.path or parts.path.startswith("/"):
        raise ValueError(f"{text!r} is not a TURN URL such as turn:turn.example.org:3478 "
                         "or turns:turn.example.org:5349?transport=tcp")
    return text


def credential_for(secret, username):
    """What the TURN server expects as the password of this username."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def credentials(secret, ttl, now=None):
    """A fresh (username, credential) valid for ttl seconds from now."""
    expiry = int(time.time() if now is None else now) + int(ttl)
    username = f"{expiry}:{secrets.token_hex(8)}"
    return username, credential_for(secret, username)


def ice_server(config, now=None):
    """The RTCIceServer of the configured TURN URLs with fresh credentials, or
    None when no TURN server is configured."""
    if not config.get("TURN_URLS"):
        return None
    username, credential = credentials(config["TURN_SECRET"], config["TURN_TTL"], now)
    return {"urls": list(config["TURN_URLS"]), "username": username, "credential": credential}
