// The inspector draws the panels beside each demo: the socket's state, the
// peer connection's states, every signaling message, and the SDP exchanged.
//
// It only watches. It wraps io() and RTCPeerConnection so it can attach its
// own listeners to whatever the page's code creates, and it never changes
// what they do: the page's code is exactly the code shown beside it.
'use strict';

(() => {
  const sdpNotes = JSON.parse(document.getElementById('inspector-strings').textContent);
  const log = document.getElementById('message-log');
  const startedAt = performance.now();

  // ---- Drawing waits: what happened is noted at once, and drawn in batches
  // at most every DRAW_EVERY_MS, when the page is idle. A call's set-up is over
  // in a tenth of a second; drawing (style, layout, paint) during it would
  // compete with it for the CPU. Payloads render only when opened.
  const DRAW_EVERY_MS = 250;
  const states = new Map(); // element id -> its latest state, not yet drawn
  let pending = []; // messages not yet drawn
  let drawScheduled = false;

  function scheduleDraw() {
    if (drawScheduled) return;
    drawScheduled = true;
    setTimeout(() => requestIdleCallback(drawPending, { timeout: DRAW_EVERY_MS }), DRAW_EVERY_MS);
  }

  function drawPending() {
    drawScheduled = false;
    for (const [id, state] of states) {
      const element = document.getElementById(id);
      element.textContent = state;
      element.dataset.state = state;
    }
    states.clear();
    const rows = pending.map(drawRow);
    pending = [];
    log.append(...rows);
  }

  function show(id, state) {
    states.set(id, state);
    scheduleDraw();
  }

  // ---- The peer connection: its three states, and the descriptions it holds.
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    #showStates;

    constructor(...args) {
      super(...args);
      this.#showStates = watchPeer(this);
    }

    // close() fires no state events: show the states it leaves, not the last ones.
    close() {
      super.close();
      this.#showStates();
    }

    addTrack(track, ...streams) {
      const sender = super.addTrack(track, ...streams);
      listTrack(track);
      return sender;
    }
  };

  function listTrack(track) {
    const item = document.createElement('li');
    item.dataset.kind = track.kind;
    const label = document.createElement('span');
    label.translate = false; // the device's own name, in whatever language it has
    label.textContent = track.label || track.id;
    item.append(`${track.kind}: `, label);
    document.getElementById('tracks').append(item);
  }

  function watchPeer(pc) {
    const update = () => {
      show('signaling-state', pc.signalingState);
      show('ice-state', pc.iceConnectionState);
      show('connection-state', pc.connectionState);
    };
    document.getElementById('tracks').replaceChildren();
    for (const event of ['signalingstatechange', 'iceconnectionstatechange', 'connectionstatechange']) {
      pc.addEventListener(event, update);
    }
    update();
    return update;
  }

  // ---- The socket: its state and every message in both directions.
  const nativeIo = window.io;
  window.io = (...args) => {
    const socket = nativeIo(...args);
    watchSocket(socket);
    return socket;
  };

  function watchSocket(socket) {
    socket.on('connect', () => show('socket-state', 'connected'));
    socket.on('disconnect', () => show('socket-state', 'disconnected'));
    socket.io.on('reconnect_attempt', () => show('socket-state', 'reconnecting'));
    socket.on('connect_error', () => show('socket-state', 'unreachable'));
    socket.onAny((event, payload) => record('in', event, payload));

    // Wrap emit rather than use onAnyOutgoing, to see acknowledgements too.
    const emit = socket.emit.bind(socket);
    socket.emit = (event, ...args) => {
      const ack = typeof args.at(-1) === 'function' ? args.pop() : null;
      record('out', event, args[0]);
      if (!ack) return emit(event, ...args);
      const watchedAck = (...replies) => {
        const reply = replies.at(-1);
        record('ack', event, reply);
        // Before the page sees it: status_translation.js translates refusals by code.
        if (reply?.ok === false) document.dispatchEvent(new CustomEvent('signaling-refusal', { detail: reply.error }));
        ack(...replies);
      };
      // emitWithAck() marks its callback to be called as (error, reply).
      watchedAck.withError = ack.withError;
      return emit(event, ...args, watchedAck);
    };
  }

  // ---- The log, drawn as a sequence diagram: this tab | server | other tab.
  function record(direction, event, payload) {
    pending.push({ direction, event, payload, at: performance.now() });
    scheduleDraw();
  }

  function drawRow({ direction, event, payload, at }) {
    const type = payload && typeof payload === 'object' ? payload.type : undefined;
    const row = document.createElement('li');
    row.className = `message ${direction}`;
    row.dataset.direction = direction;
    row.dataset.event = event;
    if (type) row.dataset.type = type;
    if (direction === 'ack') row.dataset.ok = String(payload?.ok !== false);

    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = `${((at - startedAt) / 1000).toFixed(2)}s`;

    const details = document.createElement('details');
    const summary = document.createElement('summary');
    const arrow = document.createElement('span');
    arrow.className = 'arrow';
    arrow.textContent = label(direction, event, payload);
    summary.append(arrow);
    details.append(summary);
    details.addEventListener('toggle', () => {
      if (details.open && !details.querySelector('pre')) {
        const body = document.createElement('pre');
        body.textContent = JSON.stringify(payload ?? null, null, 2);
        details.append(body);
      }
    });
    row.append(time, details);

    if (event === 'signal' && (type === 'offer' || type === 'answer')) {
      showSdp(direction === 'out' ? 'sdp-sent' : 'sdp-received', type, payload.sdp);
    }
    // The call page leaves its offer with the server while alone (offer-ahead).
    if (event === 'offer-ahead' && direction === 'out') showSdp('sdp-sent', 'offer', payload.sdp);
    return row;
  }

  function label(direction, event, payload) {
    const what = event === 'signal' ? payload?.type : event;
    if (direction === 'ack') {
      return payload?.ok === false ? `${event} ✗ ${payload.error?.code}` : `${event} ✓`;
    }
    if (event === 'signal' && payload?.type === 'candidate') {
      // "candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> [tcptype <t>]"
      const parts = (payload.candidate?.candidate || '').split(' ');
      const tcpType = parts[8] === 'tcptype' ? ` ${parts[9]}` : '';
      return `candidate ${parts[2] ?? ''} ${parts[4] ?? ''}:${parts[5] ?? ''} ${parts[7] ?? ''}${tcpType}`;
    }
    return what;
  }

  function showSdp(panelId, type, sdp) {
    const panel = document.getElementById(panelId);
    panel.querySelector('.sdp-type').textContent = type;
    panel.dataset.sdp = sdp;
    if (panel.open) drawSdp(panel);
  }

  function drawSdp(panel) {
    const list = panel.querySelector('.sdp');
    list.replaceChildren();
    for (const line of String(panel.dataset.sdp ?? '').split(/\r?\n/).filter(Boolean)) {
      const item = document.createElement('li');
      item.textContent = line;
      const note = Object.entries(sdpNotes).find(([prefix]) => line.startsWith(prefix));
      if (note) {
        item.className = 'explained';
        item.title = note[1];
      }
      list.append(item);
    }
  }

  for (const panel of document.querySelectorAll('.sdp-panels details')) {
    panel.addEventListener('toggle', () => panel.open && drawSdp(panel));
  }
})();
