"""The probe call_setup puts in every page, and the timeline it reads back.

The probe runs before a page's own scripts and only watches: it subclasses
WebSocket and RTCPeerConnection to add listeners, wraps getUserMedia and
WebSocket.send to note when they happen, and watches the remote video's frames.
Every mark is wall-clock milliseconds (performance.timeOrigin + performance.now()),
so the marks of the two browser processes share one clock; each name keeps its
first occurrence only. The same probe serves ours and the article's app: its
signaling messages are plain JSON ({"type": "offer"}, "offer_ice", ...), ours are
Socket.IO frames (42/signal,["signal",{"type":"offer"...}]).
"""

import statistics

PROBE = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const marks = (window.__marks = {});
  const mark = (name, at = now()) => { if (!(name in marks)) marks[name] = at; };
  const sinceOrigin = (t) => performance.timeOrigin + t;
  // The article's app starts a call with a click on its start button.
  document.addEventListener('click', (event) => {
    if (event.target.closest?.('.start-button')) mark('start');
  }, true);
  document.addEventListener('DOMContentLoaded', () => mark('page ready'));

  // What a signaling message is: a Socket.IO event (join, peer-joined), a join's
  // acknowledgement, or a signal's type (offer, answer, candidate, report, bye).
  const describe = (data) => {
    if (typeof data !== 'string') return null;
    if (/^43/.test(data)) return 'ack';
    const event = /^42(?:\\/[^,\\[]*,)?\\d*\\["([^"]+)"/.exec(data)?.[1];
    if (event && event !== 'signal') return event;
    const type = /"type":"([a-z_]+)"/.exec(data)?.[1];
    if (!type) return null;
    return /ice|candidate/.test(type) ? 'candidate' : type;
  };
  const note = (direction, data) => {
    const what = describe(data);
    if (what) mark(`${direction} ${what}`);
  };
  for (const proto of [WebSocket.prototype, XMLHttpRequest.prototype]) {
    const send = proto.send;
    proto.send = function (data) { note('sent', data); return send.call(this, data); };
  }
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      mark('socket opening');
      this.addEventListener('open', () => mark('socket open'));
      this.addEventListener('message', (event) => note('received', event.data));
    }
  };
  const getUserMedia = navigator.mediaDevices?.getUserMedia?.bind(navigator.mediaDevices);
  if (getUserMedia) {
    navigator.mediaDevices.getUserMedia = async (...args) => {
      mark('camera asked');
      const stream = await getUserMedia(...args);
      mark('camera open');
      return stream;
    };
  }

  const NativePeer = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeer {
    constructor(...args) {
      super(...args);
      const watched = new Set();
      const watchTransports = () => {
        for (const { transport } of this.getSenders()) {
          if (!transport || watched.has(transport)) continue;
          watched.add(transport);
          transport.addEventListener('statechange', () => mark(`dtls ${transport.state}`));
          transport.iceTransport.addEventListener('selectedcandidatepairchange', () => mark('ice pair selected'));
        }
      };
      this.addEventListener('icecandidate', ({ candidate }) => {
        mark(candidate ? 'first local candidate' : 'gathering complete');
      });
      this.addEventListener('signalingstatechange', () => {
        mark(`signaling ${this.signalingState}`);
        watchTransports();
      });
      this.addEventListener('iceconnectionstatechange', () => mark(`ice ${this.iceConnectionState}`));
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark('connected');
      });
      this.addEventListener('track', () => mark('track'));
      const addIceCandidate = this.addIceCandidate.bind(this);
      this.addIceCandidate = (...args) => { mark('first remote candidate added'); return addIceCandidate(...args); };
    }
  };

  document.addEventListener('DOMContentLoaded', () => {
    const video = document.getElementById('remote-video');
    video.addEventListener('loadedmetadata', () => mark('video metadata'));
    video.requestVideoFrameCallback((at, frame) => {
      if (frame.receiveTime) mark('frame received', sinceOrigin(frame.receiveTime));
      if (frame.receiveTime && frame.processingDuration !== undefined) {
        mark('frame decoded', sinceOrigin(frame.receiveTime + frame.processingDuration * 1000));
      }
      mark('frame presented', sinceOrigin(frame.presentationTime));
      mark('frame');
    });
  });
})();
"""

# The phases in the order a call goes through them; marks not listed print after.
ORDER = [
    "page ready", "camera asked", "camera open", "socket opening", "socket open", "sent join", "received ack",
    "received peer-joined", "start", "first local candidate", "signaling have-local-offer", "sent offer",
    "received offer", "signaling have-remote-offer", "sent answer", "received answer", "signaling stable",
    "sent candidate", "received candidate", "first remote candidate added", "gathering complete", "ice checking",
    "ice pair selected", "ice connected", "dtls connected", "connected", "track", "video metadata",
    "frame received", "frame decoded", "frame presented", "frame",
]
SIDES = ("offerer", "answerer")


def relative(marks, start):
    """Each mark of one side, in ms after `start` (negative: before it)."""
    return {name: at - start for name, at in marks.items()}


def print_call(app, sides):
    """One call's timeline: a row per phase, a column per side (ms after the start)."""
    print(f"  {app} timeline (ms after the {'join' if app == 'ours' else 'start click'}):")
    names = [n for n in ORDER if any(n in side for side in sides.values())]
    names += sorted({n for side in sides.values() for n in side} - set(names))
    for name in names:
        cells = "".join(f"{sides[side].get(name, float('nan')):10.1f}" for side in SIDES)
        print(f"    {name:<30}{cells}")


def print_medians(timelines):
    """The median of each phase, per app and side, over every call that has it."""
    columns = [(app, side) for app in timelines for side in SIDES]
    print("\nmedian of each phase, ms after the join (ours) or the start click (article's):")
    print(f"    {'':<30}" + "".join(f"{app[:7] + ' ' + side[:3]:>14}" for app, side in columns))
    seen = {n for calls in timelines.values() for call in calls for side in call.values() for n in side}
    for name in [n for n in ORDER if n in seen] + sorted(seen - set(ORDER)):
        cells = []
        for app, side in columns:
            values = [call[side][name] for call in timelines[app] if name in call[side]]
            cells.append(f"{statistics.median(values):14.1f}" if values else f"{'-':>14}")
        print(f"    {name:<30}" + "".join(cells))
