"""How fast does a call start? N calls on /call in headless Chromium.

For each call, two browsers (red and blue fake cameras) open /call in a fresh
room: the first waits, then the second joins. Measured from the moment the
second page sends `join` to the signaling server:
  - until both peer connections report connectionState 'connected';
  - until both remote videos have presented their first frame.

With --relay, through a local coturn (use-auth-secret) and relays only.

With --compare-seed, the article's original app (benchmarks/seed_app.py) runs in
the same run, its calls alternating with ours, driven as a user does: its answer
page, then its offer page, then a click on the offer page's start button. Its
figures are measured from that click. Both apps get the same two browser processes
and the same fake media; each call also prints the share of the CPU that other
processes took meanwhile, since that is what skews the figures. The ratio printed
is ours / the article's, of the medians to the first remote frame.

With -v, each call's timeline on both sides (benchmarks/call_timeline.py: page
ready, camera, socket, join, offer, answer, candidates, ICE, DTLS, the first
remote frame received, decoded and presented, and each signaling message's trip
through the server), then the median of each phase, so it shows where the time goes.

Run it where the media stays on loopback (as root, on these machines):
    unshare -n sh -c 'ip link set lo up && exec python -m benchmarks.call_setup --calls 10'
    python -m benchmarks.seed_app --install     # once, before --compare-seed
"""

import argparse
import contextlib
import os
import statistics
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.call_timeline import PROBE, SIDES, print_call, print_medians, relative
from benchmarks.common import machine
from benchmarks.seed_app import running_seed_app
from serving import ASYNC_MODES
from tests.harness.browsers import launch_options
from tests.harness.media import write_y4m
from tests.harness.server import running_server
from tests.harness.turn import coturn
from tests.run import cpu_ticks

WAITING = "() => document.getElementById('status').dataset.state === 'waiting'"
WAIT_FOR_FRAME = "() => window.__marks && window.__marks.frame && window.__marks.connected"


@contextlib.contextmanager
def probed_pages(*browsers):
    """A page in a fresh context of each browser, with the probe in it."""
    contexts = [browser.new_context() for browser in browsers]
    try:
        for context in contexts:
            context.add_init_script(PROBE)
        yield [context.new_page() for context in contexts]
    finally:
        for context in contexts:
            context.close()


def times_to_media(pages, starter, start_mark):
    """Once both pages show the other's first frame: (ms to both connected, to both
    first frames, each side's timeline), from the mark `start_mark` of the page
    `starter` (its index), which started the call. Pages are given offerer first."""
    for page in pages:
        page.wait_for_function(WAIT_FOR_FRAME, timeout=15_000, polling=100)
    marks = [page.evaluate("window.__marks") for page in pages]
    start = marks[starter][start_mark]
    timeline = {side: relative(m, start) for side, m in zip(SIDES, marks, strict=True)}
    add_relay_hops(timeline)
    return (max(mark["connected"] for mark in marks) - start, max(mark["frame"] for mark in marks) - start, timeline)


# Signaling messages from one side to the other: from the sender's send() to
# the receiver's WebSocket message event (both pages share the clock).
HOPS = [("join", "answerer", "sent join", "offerer", "received peer-joined"),
        ("offer", "offerer", "sent offer", "answerer", "received offer"),
        ("answer", "answerer", "sent answer", "offerer", "received answer")]


def add_relay_hops(timeline):
    for what, sender, sent, receiver, received in HOPS:
        if sent in timeline[sender] and received in timeline[receiver]:
            hop = timeline[receiver][received] - timeline[sender][sent]
            timeline[receiver][f"relay of the {what} (duration)"] = hop


def one_call(server, first_browser, second_browser, room):
    """Ours: the first page waits, the second joins."""
    with probed_pages(first_browser, second_browser) as (first_page, second_page):
        first_page.goto(f"{server}/call?room={room}")
        first_page.wait_for_function(WAITING, timeout=15_000, polling=20)
        second_page.goto(f"{server}/call?room={room}")
        return times_to_media([first_page, second_page], 1, "sent join")


SEED_CONNECTED = "() => document.querySelector('.logger').textContent.includes('信令通道创建成功')"


def one_seed_call(seed, offer_browser, answer_browser):
    """The article's app, as its ABOUT.md says to drive it: answer page, offer page, start click."""
    with probed_pages(answer_browser, offer_browser) as (answer_page, offer_page):
        answer_page.goto(f"{seed}/p2p?type=answer")
        answer_page.wait_for_function(SEED_CONNECTED, timeout=15_000, polling=20)
        offer_page.goto(f"{seed}/p2p?type=offer")
        offer_page.click(".start-button")
        return times_to_media([offer_page, answer_page], 0, "start")


def cpu_times():
    """(all CPUs busy, all CPUs in total, this process and its descendants), in clock
    ticks. Time the host stole counts as busy: other processes took it."""
    busy, stolen, total = cpu_ticks()
    children, ours = {}, 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/stat") as stat:
                after_name = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(after_name[1]), []).append((int(pid), int(after_name[11]) + int(after_name[12])))
    todo = [os.getpid()]
    while todo:
        for pid, ticks in children.get(todo.pop(), []):
            ours += ticks
            todo.append(pid)
    return busy + stolen, total, ours


def others_share(before, after):
    """The share of all CPUs that processes other than ours took between two cpu_times()."""
    busy, total, ours = (b - a for a, b in zip(before, after, strict=True))
    return max(0.0, (busy - ours) / total) if total else 0.0


def summary(name, values):
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
    return (f"{name:<38} median {statistics.median(values):6.1f} ms   "
            f"min {min(values):6.1f}   p90 {p90:6.1f}   max {max(values):6.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--async-mode", default="eventlet", choices=ASYNC_MODES)
    parser.add_argument("--relay", action="store_true", help="through a local coturn, relays only")
    parser.add_argument("--compare-seed", action="store_true",
                        help="alternate with the article's original app and print the ratio")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="each call's timeline on both sides, and the median of each phase")
    args = parser.parse_args()
    print(f"call set-up benchmark: {machine()}", flush=True)

    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    videos = {c: write_y4m(folder / f"bench-{c}.y4m", c) for c in ("red", "blue")}
    figures = {"ours": ([], []), "article": ([], [])}
    timelines = {"ours": [], "article": []}
    contention = {"ours": [], "article": []}  # the share of the CPUs other processes took, per call
    with contextlib.ExitStack() as stack:
        server_args = []
        if args.relay:
            turn = stack.enter_context(coturn())
            server_args = ["--turn-url", turn.url, "--turn-secret", turn.secret, "--ice-transport-policy", "relay"]
        server = stack.enter_context(running_server(args.async_mode, server_args))
        seed = stack.enter_context(running_seed_app()) if args.compare_seed else None
        playwright = stack.enter_context(sync_playwright())
        chromium = playwright.chromium
        red, blue = (chromium.launch(**launch_options(chromium, videos[c])) for c in ("red", "blue"))
        calls = {"ours": lambda n: one_call(server, red, blue, f"bench-{n}-{time.time_ns()}"),
                 "article": lambda n: one_seed_call(seed, red, blue)}
        apps = ["ours", "article"] if seed else ["ours"]
        for app in apps:
            calls[app]("warm-up")  # the first call pays for codec and JIT start-up
        for n in range(args.calls):
            for app in apps if n % 2 == 0 else apps[::-1]:  # alternate who goes first
                before = cpu_times()
                to_connected, to_frame, timeline = calls[app](n)
                share = others_share(before, cpu_times())
                figures[app][0].append(to_connected)
                figures[app][1].append(to_frame)
                print(f"call {n + 1:>2} {app:<7}: connected {to_connected:6.1f} ms, first frame {to_frame:6.1f} ms, "
                      f"other processes {share:4.0%} of the CPUs", flush=True)
                timelines[app].append(timeline)
                contention[app].append(share)
                if args.verbose:
                    print_call(app, timeline)
        red.close()
        blue.close()
    if args.verbose:
        print_medians({app: timelines[app] for app in apps})
    how = ", relays only (coturn)" if args.relay else ""
    print(f"\n{args.calls} calls each, {args.async_mode}{how}")
    for app in apps:
        shares = contention[app]
        print(f"other processes took {statistics.median(shares):.0%} of the CPUs during {app} calls (median; "
              f"{min(shares):.0%}-{max(shares):.0%})")
    print("ours, from the second peer's join:")
    print(summary("-> both connected", figures["ours"][0]))
    print(summary("-> first remote frame on both sides", figures["ours"][1]))
    if seed:
        print("the article's app, from the start click:")
        print(summary("-> both connected", figures["article"][0]))
        print(summary("-> first remote frame on both sides", figures["article"][1]))
        ratio = statistics.median(figures["ours"][1]) / statistics.median(figures["article"][1])
        print(f"ratio of the medians to the first remote frame, ours / article's: {ratio:.2f}")


if __name__ == "__main__":
    main()
