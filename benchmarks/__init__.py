"""Benchmarks that print figures; they pass or fail nothing. Run each from the
checkout as a module, e.g. `python -m benchmarks.realistic --quick`.

    __main__.py     every signaling part in turn: `python -m benchmarks`
    realistic.py    part 1: many calls' signaling at once (latency, nothing lost)
    saturation.py   part 2: the most messages per second one server relays
    capacity.py     part 3: idle connections one server holds
    profile.py      py-spy on the server, its stacks sorted into categories
    mask.py         the server's WebSocket unmasking against eventlet's
    common.py       the measured server subprocess, percentiles, the command line
    raw_client.py   a light Socket.IO client for parts 2 and 3
    call_setup.py   how fast a browser call starts, in headless Chromium

The realistic calls' load generator is tests/harness/load.py: the CI load test
runs it too.
"""
