"""The RTCConfiguration handed to the call page: the static ICE servers, checked
once when they are configured, and a TURN server with credentials minted for
this page (turn.py)."""

import json

from . import turn


def parse_servers(text):
    """A JSON list of RTCIceServer objects, each with 'urls'; ValueError otherwise."""
    try:
        servers = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise ValueError("expected a JSON list of objects, each with 'urls'")
    return servers


def rtc_configuration(config):
    """What the call page passes to new RTCPeerConnection(), made anew for each page."""
    servers = list(config["ICE_SERVERS"])
    relay = turn.ice_server(config)
    if relay:
        servers.append(relay)
    return {"iceServers": servers, "iceTransportPolicy": config["ICE_TRANSPORT_POLICY"]}


def refresh_seconds(config):
    """How often a call page fetches a fresh configuration: halfway through its
    TURN credentials' life; None without TURN."""
    return config["TURN_TTL"] / 2 if config["TURN_URLS"] else None
