// The finished call: step 5's code, plus what a real call needs. Hang-up, a
// peer who leaves, joining again, mute and camera toggles, private rooms, a
// signaling server that restarts, both sides negotiating at once ("perfect
// negotiation"), ICE restarts, ICE servers from the server's config (TURN
// credentials too, minted for this page), and a line saying why a call does not
// work: the connection doctor (doctor.js), fed with both sides' evidence.
// Read the step pages first; the page's text explains each addition beside
// its lines here, between `// [call: NAME]` and `// [/call]` (pages/walkthrough.py).
// This file keeps the room, the socket and the buttons; negotiation.js keeps
// the peer connection; call_stats.js shows its statistics while a call is up.

import { createCallStats } from './call_stats.js';
import { createMediaControls } from './media_controls.js';
import { createNegotiation } from './negotiation.js';
import { STALL_MS, diagnose, noCandidates, report } from './doctor.js';
import { showRoomQr } from './room_qr.js';

const configElement = document.getElementById('call-config');
const config = JSON.parse(configElement.textContent);
const say = JSON.parse(document.getElementById('call-strings').textContent);
const localVideo = document.getElementById('local-video');
const remoteVideo = document.getElementById('remote-video');
const status = document.getElementById('status');
const problem = document.getElementById('problem');
const playButton = document.getElementById('play-remote');
const hangUpButton = document.getElementById('hang-up');
const rejoinButton = document.getElementById('rejoin');
const micButton = document.getElementById('toggle-mic');
const cameraButton = document.getElementById('toggle-camera');
const stats = createCallStats({
  panel: document.getElementById('call-stats'),
  strings: JSON.parse(document.getElementById('stats-strings').textContent),
});
const params = new URLSearchParams(location.search);
const room = params.get('room');

let stream;
let negotiation;
let socket;
let wantToBeInRoom = true; // false after hang-up, until "Join again"
let everJoined = false; // a refused join after that is a reconnection, worth retrying
let peerHere = false; // someone else is in the room: our report has a reader
let focusHangUpOnJoin = false; // "Join again" was pressed from the keyboard

function setStatus(name, detail = '') {
  status.textContent = `${say.status[name]} ${detail}`.trim();
  status.dataset.state = name;
}

// The language links were made by the server, which never sees the fragment:
// point them at this room as it is now, key included. The server's redirect
// keeps the fragment, as browsers do when a redirect names none.
function keepThisRoomInLanguageLinks() {
  for (const link of document.querySelectorAll('.languages a')) {
    const url = new URL(link.href);
    url.searchParams.set('next', location.pathname + location.search);
    url.hash = location.hash;
    link.href = url;
  }
}

// [call: private-room]
// A private room's key lives in the URL fragment, which browsers never send
// to the server in a request: only people given the link have it.
function privateRoomKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (!fragment.has('key') && params.has('private')) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    fragment.set('key', btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_'));
    params.delete('private');
    history.replaceState(null, '', `?${params}#${fragment}`);
  }
  return fragment.get('key');
}
// [/call]

const key = privateRoomKey();
keepThisRoomInLanguageLinks();
showRoomQr(document.getElementById('room-qr'), document.getElementById('room-link')).catch((error) => {
  console.warn('No QR code for this room:', error);
});

function send(message) {
  socket.emit('signal', message);
}

// ---- The connection doctor's evidence ----------------------------------
// What this side saw (of the current peer connection), what the other side
// reported, and what the page itself knows. doctor.js draws the conclusion.
const evidence = {
  secureContext: window.isSecureContext,
  mediaError: null,
  configuration: config,
  autoplayBlocked: false,
  local: { candidates: noCandidates(), errors: [] },
};
let stallTimer;
let gatheringTimer;

// A new peer connection starts a new call: forget the last one's evidence.
function watchConnection(pc) {
  Object.assign(evidence, {
    local: { candidates: noCandidates(), errors: [] },
    remote: null,
    stalled: false,
    gathering: pc.iceGatheringState,
    gatheringSlow: false,
  });
  let everConnected = false;
  clearTimeout(stallTimer);
  stallTimer = undefined;
  clearTimeout(gatheringTimer);
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (candidate?.type) evidence.local.candidates[candidate.type] += 1;
  });
  // Without any usable network interface, Chromium gathers forever and finds
  // nothing: STALL_MS of gathering is as good as over for the doctor.
  pc.addEventListener('icegatheringstatechange', () => {
    evidence.gathering = pc.iceGatheringState;
    clearTimeout(gatheringTimer);
    if (pc.iceGatheringState === 'gathering') {
      gatheringTimer = setTimeout(() => {
        if (pc !== negotiation.pc) return;
        evidence.gatheringSlow = true;
        sendReport();
        showDiagnosis();
      }, STALL_MS);
    }
    if (pc.iceGatheringState === 'complete') sendReport();
    showDiagnosis();
  });
  // Stalled: both descriptions set, and not connected STALL_MS later. Once a
  // connection has worked, a break is the network's, and ICE restarts see to it.
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') everConnected = true;
    if (pc.connectionState === 'failed' && !everConnected) evidence.stalled = true;
    showDiagnosis();
  });
  pc.addEventListener('signalingstatechange', () => {
    if (pc.signalingState !== 'stable' || !pc.remoteDescription || stallTimer !== undefined) return;
    stallTimer = setTimeout(() => {
      if (pc !== negotiation.pc || everConnected) return;
      evidence.stalled = true;
      showDiagnosis();
    }, STALL_MS);
  });
}

function recordIceError({ errorCode, errorText, url }) {
  evidence.local.errors.push({ code: errorCode, text: errorText, url });
  showDiagnosis(); // the other side hears of it in our report, when gathering ends
}

// Our summary, for the other side's doctor: once gathering is over (an ICE
// restart gathers again) or has gone on for long, and for someone who arrives
// after that.
function sendReport() {
  if (!peerHere || (evidence.gathering !== 'complete' && !evidence.gatheringSlow)) return;
  send(report(evidence.local.candidates, evidence.local.errors));
}

function receiveReport({ candidates, errors }) {
  evidence.remote = { candidates, errors };
  showDiagnosis();
}

// The verdict goes in the problem line under the videos, in the page's language.
function showDiagnosis() {
  const verdict = diagnose({ ...evidence, connection: negotiation?.pc.connectionState ?? 'new' });
  playButton.hidden = verdict?.name !== 'autoplay_blocked';
  if (!verdict) {
    problem.hidden = true;
    delete problem.dataset.problem;
    delete problem.dataset.code;
    return;
  }
  const code = `${verdict.code ?? ''} ${verdict.text ?? ''}`.trim();
  const text = say.problem[verdict.name]
    .replace('{url}', verdict.url ?? '')
    .replace('{code}', code)
    .replace('{origin}', location.origin);
  // The line is an alert: screen readers read it out again at each change.
  if (problem.textContent !== text) problem.textContent = text;
  problem.dataset.problem = verdict.name;
  if (verdict.code) problem.dataset.code = verdict.code;
  else delete problem.dataset.code;
  problem.hidden = false;
}

// A browser that allows no sound without a click refuses to play the other
// side's video by itself; a click on "Play" is that permission.
function playRemote() {
  remoteVideo.play().then(
    () => {
      evidence.autoplayBlocked = false;
      showDiagnosis();
    },
    (error) => {
      // AbortError: a new stream replaced this one, which gets its own try.
      if (error.name !== 'NotAllowedError') return;
      evidence.autoplayBlocked = true;
      showDiagnosis();
    },
  );
}

function showConnectionState(state) {
  if (state === 'connected') {
    setStatus('connected');
    stats.watch(negotiation.pc); // from now on, not before: the call's setup stays fast
  }
  if (state === 'failed') setStatus('failed');
}

function join() {
  setStatus('joining');
  socket.emit('join', key ? { room, key } : { room }, (reply) => {
    if (!reply.ok && everJoined && reply.error.code === 'room-full') {
      // Back after our own connection dropped: the server may not have noticed
      // yet that our old socket is gone. Our place frees up within a minute.
      setStatus('reconnecting');
      setTimeout(() => wantToBeInRoom && socket.connected && join(), 2000);
      return;
    }
    if (!reply.ok) {
      wantToBeInRoom = false;
      status.textContent = say.refusals[reply.error.code] ?? reply.error.message;
      status.dataset.state = reply.error.code;
      return;
    }
    everJoined = true;
    hangUpButton.disabled = false;
    if (focusHangUpOnJoin && document.activeElement === document.body) hangUpButton.focus();
    focusHangUpOnJoin = false;
    const peerPresent = reply.peers > 0;
    peerHere = peerPresent;
    if (peerPresent) media.sendState(); // what the one already here shows over our video
    if (negotiation.inCall()) {
      setStatus('connected'); // back after a signaling outage; the call never stopped
    } else {
      setStatus(peerPresent ? 'answering' : 'waiting');
    }
    negotiation.joinedRoom(peerPresent);
  });
}

async function peerJoined(news) {
  // Back after a signaling outage (a server restart): a call whose connection
  // died meanwhile starts over; a live one goes on, and an ICE restart
  // renegotiates it over the new signaling path, replacing whatever candidates
  // were lost while the server was away. A new peer gets called.
  if (negotiation.inCall()) {
    if (['failed', 'closed'].includes(negotiation.pc.connectionState)) negotiation.peerLeft();
    else negotiation.pc.restartIce();
  }
  if (!negotiation.inCall()) setStatus('calling');
  peerHere = true;
  sendReport(); // what we gathered alone, before they came
  media.sendState();
  await negotiation.peerJoined({ offerSent: news?.offer_sent === true });
}

// [call: peer-left]
// The other side hung up or went away: drop the call, keep the room.
function peerGone() {
  peerHere = false;
  negotiation.peerLeft();
  media.showRemoteState(null);
  stats.stop();
  setStatus('peer_left');
}
// [/call]

// [call: hang-up]
function hangUp() {
  send({ type: 'bye' });
  socket.emit('leave');
  wantToBeInRoom = false;
  everJoined = false;
  peerHere = false;
  negotiation.hangUp();
  media.showRemoteState(null);
  stats.stop();
  setStatus('hung_up');
  // A disabled or hidden button loses the focus: a keyboard user's goes on to the other one.
  const keyboardHere = document.activeElement === hangUpButton;
  hangUpButton.disabled = true;
  rejoinButton.hidden = false;
  if (keyboardHere) rejoinButton.focus();
}
// [/call]

// [call: rejoin]
function rejoin() {
  wantToBeInRoom = true;
  focusHangUpOnJoin = document.activeElement === rejoinButton;
  rejoinButton.hidden = true;
  join();
}
// [/call]

// [call: mute]
// Muting disables the track: the connection stays up and sends silence or
// black frames, so nothing needs renegotiating. The button's label says what
// pressing it does ("Unmute"), so it is no toggle (aria-pressed) as well: a
// screen reader would say "Unmute, pressed".
function toggle(kind, button, offLabel, onLabel) {
  const track = stream.getTracks().find((t) => t.kind === kind);
  if (!track) return;
  track.enabled = !track.enabled;
  button.textContent = track.enabled ? offLabel : onLabel;
  media.sendState(); // the other side shows it
}
// [/call]

// Off localhost, plain http:// is no secure context: the browser has no
// navigator.mediaDevices there at all, and no camera for this page.
if (!window.isSecureContext) {
  setStatus('camera_error', location.origin);
  showDiagnosis();
  throw new Error(`${location.origin} is not a secure context: no camera. Use https:// or localhost.`);
}
try {
  stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
} catch (error) {
  setStatus('camera_error', `${error.name}: ${error.message}`);
  evidence.mediaError = error.name;
  showDiagnosis();
  throw error;
}
localVideo.srcObject = stream;
// Screen sharing, the choice of camera, and the states the other side sees.
// Their states go to the peer as signals, when there is a peer to tell.
const media = createMediaControls(stream, (message) => peerHere && socket.connected && send(message));
document.getElementById('second-tab').href = location.href; // with a private room's key
negotiation = createNegotiation({
  configuration: config,
  stream,
  send,
  offerAhead: (offer) => socket.emit('offer-ahead', offer),
  onRemoteStream: (remote) => {
    remoteVideo.srcObject = remote;
    if (remote) playRemote();
  },
  onConnectionState: showConnectionState,
  // A renegotiation of a live call (an ICE restart) is no new call to answer.
  onAnswering: () => negotiation.pc.connectionState !== 'connected' && setStatus('answering'),
  onIceCandidateError: recordIceError,
  onPeerConnection: (pc) => {
    watchConnection(pc);
    media.attach(pc);
  },
});
showDiagnosis(); // a configuration that cannot work is known before any call
// The tests and the console read the current connection here.
Object.defineProperty(window, 'pc', { get: () => negotiation.pc });

// [call: turn-refresh]
// TURN credentials expire (--turn-ttl). Halfway through their life, fetch
// fresh ones, so that a page open for hours can still make its next call or
// ICE restart through TURN. A failed fetch is tried again a minute later.
const refreshSeconds = Number(configElement.dataset.refreshSeconds);

async function refreshIceServers() {
  let next = refreshSeconds;
  try {
    const response = await fetch(configElement.dataset.refreshUrl, { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    evidence.configuration = await response.json();
    negotiation.setConfiguration(evidence.configuration);
  } catch (error) {
    console.warn('Could not refresh the TURN credentials:', error.message);
    next = Math.min(60, refreshSeconds);
  }
  setTimeout(refreshIceServers, next * 1000);
}
if (refreshSeconds > 0) setTimeout(refreshIceServers, refreshSeconds * 1000);
// [/call]

// Straight to WebSocket: the default starts with HTTP long-polling and then
// upgrades, and messages sent during the upgrade wait tens of milliseconds.
// The room rides in the query only for a proxy in front of several processes
// (deploy/nginx.conf): it sends a room's two peers to the same one.
socket = io('/signal', { transports: ['websocket'], query: { room } });
socket.on('connect', () => {
  if (wantToBeInRoom) join();
});
socket.on('disconnect', () => {
  // The server forgets us; the call itself is peer to peer and carries on.
  negotiation.signalingLost();
  if (wantToBeInRoom) setStatus('reconnecting');
});
socket.on('peer-joined', peerJoined);
socket.on('peer-left', peerGone);
socket.on('signal', async (message) => {
  if (message.type === 'offer' || message.type === 'answer') await negotiation.receiveDescription(message);
  else if (message.type === 'candidate') await negotiation.receiveCandidate(message.candidate);
  else if (message.type === 'bye') peerGone();
  else if (message.type === 'report') receiveReport(message);
  else if (message.type === 'state') media.showRemoteState(message);
});
socket.on('error', (error) => {
  console.warn('The signaling server refused a message:', error);
});

hangUpButton.addEventListener('click', hangUp);
rejoinButton.addEventListener('click', rejoin);
playButton.addEventListener('click', playRemote);
micButton.addEventListener('click', () => toggle('audio', micButton, say.mute, say.unmute));
cameraButton.addEventListener('click', () => toggle('video', cameraButton, say.camera_off, say.camera_on));
