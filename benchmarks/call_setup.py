"""How fast does a call start? N calls on /call in headless Chromium.

For each call, two browsers (red and blue fake cameras) open /call in a fresh
room: the first waits, then the second joins. Measured from the moment the
second page sends `join` to the signaling server:
  - until both peer connections report connectionState 'connected';
  - until both remote videos have presented their first frame.

With --relay, through a local coturn (use-auth-secret) and relays only.

Run it where the media stays on loopback (as root, on these machines):
    unshare -n sh -c 'ip link set lo up && exec python -m benchmarks.call_setup --calls 10'
"""

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.common import machine
from serving import ASYNC_MODES
from tests.harness.browsers import launch_options
from tests.harness.media import write_y4m
from tests.harness.server import running_server
from tests.harness.turn import coturn

# Runs in each page before its own scripts: records wall-clock times (ms since
# the epoch, comparable across the two browser processes) without changing
# anything the page does.
PROBE = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const marks = (window.__marks = {});
  const noteJoin = (data) => {
    if (!marks.join && typeof data === 'string' && data.includes('"join"')) marks.join = now();
  };
  for (const proto of [WebSocket.prototype, XMLHttpRequest.prototype]) {
    const send = proto.send;
    proto.send = function (data) { noteJoin(data); return send.call(this, data); };
  }
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected' && !marks.connected) marks.connected = now();
      });
    }
  };
  document.addEventListener('DOMContentLoaded', () => {
    const video = document.getElementById('remote-video');
    video.requestVideoFrameCallback(() => { marks.frame = now(); });
  });
})();
"""

WAITING = "() => document.getElementById('status').dataset.state === 'waiting'"
WAIT_FOR_FRAME = "() => window.__marks && window.__marks.frame && window.__marks.connected"


def one_call(server, first_browser, second_browser, room):
    contexts = [first_browser.new_context(), second_browser.new_context()]
    try:
        pages = []
        for context in contexts:
            context.add_init_script(PROBE)
            pages.append(context.new_page())
        first_page, second_page = pages
        first_page.goto(f"{server}/call?room={room}")
        first_page.wait_for_function(WAITING, timeout=15_000, polling=20)
        second_page.goto(f"{server}/call?room={room}")
        for page in pages:
            page.wait_for_function(WAIT_FOR_FRAME, timeout=15_000, polling=100)
        first, second = (page.evaluate("window.__marks") for page in pages)
        start = second["join"]
        return (max(first["connected"], second["connected"]) - start,
                max(first["frame"], second["frame"]) - start)
    finally:
        for context in contexts:
            context.close()


def summary(name, values):
    return (f"{name:<38} median {statistics.median(values):6.1f} ms   "
            f"min {min(values):6.1f}   max {max(values):6.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--async-mode", default="eventlet", choices=ASYNC_MODES)
    parser.add_argument("--relay", action="store_true", help="through a local coturn, relays only")
    args = parser.parse_args()
    print(f"call set-up benchmark: {machine()}", flush=True)

    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    videos = {c: write_y4m(folder / f"bench-{c}.y4m", c) for c in ("red", "blue")}
    connected, frames = [], []
    with contextlib.ExitStack() as stack:
        server_args = []
        if args.relay:
            turn = stack.enter_context(coturn())
            server_args = ["--turn-url", turn.url, "--turn-secret", turn.secret, "--ice-transport-policy", "relay"]
        server = stack.enter_context(running_server(args.async_mode, server_args))
        playwright = stack.enter_context(sync_playwright())
        chromium = playwright.chromium
        red, blue = (chromium.launch(**launch_options(chromium, videos[c])) for c in ("red", "blue"))
        one_call(server, red, blue, "warm-up")  # first call pays for codec and JIT start-up
        for n in range(args.calls):
            to_connected, to_frame = one_call(server, red, blue, f"bench-{n}-{time.time_ns()}")
            connected.append(to_connected)
            frames.append(to_frame)
            print(f"call {n + 1:>2}: connected {to_connected:6.1f} ms, first frame {to_frame:6.1f} ms",
                  flush=True)
        red.close()
        blue.close()
    how = ", relays only (coturn)" if args.relay else ""
    print(f"\n{args.calls} calls, {args.async_mode}{how}, measured from the second peer's join:")
    print(summary("-> both connected", connected))
    print(summary("-> first remote frame on both sides", frames))


if __name__ == "__main__":
    main()
