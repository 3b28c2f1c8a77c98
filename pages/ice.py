"""The ICE servers handed to the call page, checked once when they are configured."""

import json


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
    """What the call page passes to new RTCPeerConnection()."""
    return {"iceServers": config["ICE_SERVERS"]}
