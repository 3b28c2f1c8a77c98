// The call's statistics, read from pc.getStats() once a second while a call is
// connected: the candidate pair ICE selected, the video's size and frame rate
// both ways, the bitrate in and out (with a chart of the last minute), the
// round-trip time and the packets lost. call.js says when to watch a
// connection and when to stop; the panel's labels come from the page.

const POLL_MS = 1000;
const HISTORY = 60; // samples in the chart: one a second, the last minute

// Bits per second between two readings of a byte counter, {bytes, timestamp}
// (getStats() timestamps are in milliseconds). null without two readings, when
// no time passed, or when the counter went back (a new transport).
export function bitsPerSecond(before, after) {
  if (!before || !after) return null;
  const seconds = (after.timestamp - before.timestamp) / 1000;
  const bytes = after.bytes - before.bytes;
  if (!(seconds > 0) || bytes < 0) return null;
  return (bytes * 8) / seconds;
}

// What the panel shows, from one getStats() report (a Map of stats by id).
export function readStats(report) {
  const all = [...report.values()];
  const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair =
    report.get(transport?.selectedCandidatePairId) ??
    all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  const video = (type) => all.find((s) => s.type === type && s.kind === 'video');
  const inbound = all.filter((s) => s.type === 'inbound-rtp');
  const remoteInbound = video('remote-inbound-rtp');
  const lost = inbound.reduce((sum, s) => sum + (s.packetsLost ?? 0), 0);
  const received = inbound.reduce((sum, s) => sum + (s.packetsReceived ?? 0), 0);
  const bytes = (name) => {
    const counted = transport ?? pair;
    return counted && { bytes: counted[name] ?? 0, timestamp: counted.timestamp };
  };
  return {
    local: pair && report.get(pair.localCandidateId),
    remote: pair && report.get(pair.remoteCandidateId),
    sentVideo: video('outbound-rtp'),
    receivedVideo: video('inbound-rtp'),
    sent: bytes('bytesSent'),
    received: bytes('bytesReceived'),
    // The path's own round trip (STUN checks), else the one RTCP reports for our video.
    rttSeconds: pair?.currentRoundTripTime ?? remoteInbound?.roundTripTime ?? null,
    packetsLost: lost,
    packetsReceived: received,
  };
}

// ---- How each figure is written. Numbers and addresses are not translated.

function candidate(c) {
  return c ? `${c.candidateType} ${c.address ?? c.ip ?? '?'}:${c.port}` : '–';
}

function videoSize(v) {
  if (!v?.frameWidth) return '–';
  return `${v.frameWidth} × ${v.frameHeight}, ${Math.round(v.framesPerSecond ?? 0)} fps`;
}

function kbits(bps) {
  const k = bps / 1000;
  return k < 10 ? k.toFixed(1) : String(Math.round(k));
}

function rate(bps, total) {
  if (bps === null || !total) return '–';
  return `${kbits(bps)} kbit/s · ${Math.round(total.bytes / 1000)} kB`;
}

function loss(lost, received) {
  const all = lost + received;
  if (all === 0) return '–';
  return `${((100 * lost) / all).toFixed(1)} % (${lost} / ${all})`;
}

// ---- The panel.

export function createCallStats({ panel, strings }) {
  const state = panel.querySelector('[data-stats-state]');
  const field = (name) => panel.querySelector(`[data-stat="${name}"]`);
  const canvas = panel.querySelector('canvas');
  let pc = null;
  let timer = null;
  let run = 0; // which watch() the readings under way belong to
  let previous = null; // the last reading, for the rates
  let history = []; // {sent, received} in bits per second, oldest first

  function show(values) {
    for (const [name, text] of Object.entries(values)) field(name).textContent = text;
  }

  function showIdle() {
    state.textContent = strings.idle;
    panel.dataset.state = 'idle';
    show({ local: '–', remote: '–', protocol: '–', video_sent: '–', video_received: '–', bitrate_sent: '–',
      bitrate_received: '–', rtt: '–', loss: '–' });
    drawChart();
  }

  // Watch this connection (call.js calls it whenever one is connected). The
  // same connection again, after an ICE restart, carries on where it was.
  function watch(connection) {
    if (connection === pc) return;
    stop();
    pc = connection;
    state.textContent = strings.live;
    panel.dataset.state = 'live';
    // The first reading waits a second too: at "connected" the first frames
    // are still on their way, and getStats() would compete with them.
    const thisRun = run;
    timer = setTimeout(() => poll(thisRun), POLL_MS);
  }

  // The call ended: stop reading and say so.
  function stop() {
    clearTimeout(timer);
    run += 1; // a reading under way is dropped
    pc = null;
    previous = null;
    history = [];
    showIdle();
  }

  async function poll(thisRun) {
    let report;
    try {
      report = pc.connectionState === 'closed' ? null : await pc.getStats();
    } catch (error) {
      report = null; // closed while we asked
    }
    if (thisRun !== run) return; // stopped, or another call, while we waited
    if (!report) {
      stop(); // replaced by a new connection, which call.js watches once connected
      return;
    }
    const now = readStats(report);
    const sentBps = bitsPerSecond(previous?.sent, now.sent);
    const receivedBps = bitsPerSecond(previous?.received, now.received);
    previous = now;
    show({
      local: candidate(now.local),
      remote: candidate(now.remote),
      protocol: now.local?.protocol ?? '–',
      video_sent: videoSize(now.sentVideo),
      video_received: videoSize(now.receivedVideo),
      bitrate_sent: rate(sentBps, now.sent),
      bitrate_received: rate(receivedBps, now.received),
      rtt: now.rttSeconds === null ? '–' : `${(now.rttSeconds * 1000).toFixed(1)} ms`,
      loss: loss(now.packetsLost, now.packetsReceived),
    });
    if (sentBps !== null && receivedBps !== null) {
      history = [...history, { sent: sentBps, received: receivedBps }].slice(-HISTORY);
    }
    drawChart();
    timer = setTimeout(() => poll(thisRun), POLL_MS);
  }

  // ---- The chart: the last minute, newest on the right. Bitrate out rises
  // above the middle line and bitrate in falls below it, so the two never hide
  // each other when they are alike (as they are in a call of two cameras).

  function drawChart() {
    const context = canvas.getContext('2d');
    const { width, height } = canvas;
    const style = getComputedStyle(panel);
    const colour = (name) => style.getPropertyValue(name).trim();
    const left = 44;
    const right = width - 8;
    const top = 24;
    const bottom = height - 22;
    const middle = (top + bottom) / 2;
    const peak = Math.max(1000, ...history.flatMap((h) => [h.sent, h.received]));
    const x = (i) => right - ((history.length - 1 - i) * (right - left)) / (HISTORY - 1);
    const series = [
      { name: 'sent', arrow: '↑', stroke: colour('--accent'), y: (bps) => middle - (bps / peak) * (middle - top) },
      { name: 'received', arrow: '↓', stroke: colour('--good'), y: (bps) => middle + (bps / peak) * (bottom - middle) },
    ];

    context.clearRect(0, 0, width, height);
    context.font = '12px system-ui, sans-serif';
    context.lineWidth = 1;
    context.strokeStyle = colour('--line');
    context.beginPath();
    context.moveTo(left, top);
    context.lineTo(left, bottom);
    context.moveTo(left, middle);
    context.lineTo(right, middle);
    context.stroke();
    context.fillStyle = colour('--muted');
    context.textBaseline = 'middle';
    context.textAlign = 'left';
    context.fillText(strings.axis_y, 4, 10);
    context.textAlign = 'right';
    context.fillText(kbits(peak), left - 4, top);
    context.fillText('0', left - 4, middle);
    context.fillText(kbits(peak), left - 4, bottom);
    context.textBaseline = 'top';
    context.fillText(strings.now, right, bottom + 6);
    context.textAlign = 'left';
    context.fillText(strings.axis_x, left, bottom + 6);

    let legendX = left + 40;
    for (const { name, arrow, stroke, y } of series) {
      const legend = `${strings[name]} ${arrow}`;
      context.fillStyle = stroke;
      context.fillRect(legendX, 9, 14, 3);
      context.textBaseline = 'middle';
      context.fillText(legend, legendX + 18, 10);
      legendX += 28 + context.measureText(legend).width;
      if (history.length < 2) continue;
      context.strokeStyle = stroke;
      context.lineWidth = 2;
      context.beginPath();
      history.forEach((h, i) => (i ? context.lineTo(x(i), y(h[name])) : context.moveTo(x(i), y(h[name]))));
      context.stroke();
    }

    const last = history.at(-1);
    canvas.setAttribute(
      'aria-label',
      last
        ? strings.chart_label.replace('{sent}', `${kbits(last.sent)} kbit/s`).replace('{received}', `${kbits(last.received)} kbit/s`)
        : strings.chart_empty,
    );
  }

  showIdle();
  return { watch, stop };
}
