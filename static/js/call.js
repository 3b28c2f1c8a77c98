// The finished call: step 5's code, plus what a real call needs. Hang-up, a
// peer who leaves, joining again, mute and camera toggles, private rooms, a
// signaling server that restarts, both sides negotiating at once ("perfect
// negotiation"), ICE restarts, and ICE servers from the server's config.
// Read the step pages first; the page's text explains each addition.

const config = JSON.parse(document.getElementById('call-config').textContent);
const say = JSON.parse(document.getElementById('call-strings').textContent);
const localVideo = document.getElementById('local-video');
const remoteVideo = document.getElementById('remote-video');
const status = document.getElementById('status');
const hangUpButton = document.getElementById('hang-up');
const rejoinButton = document.getElementById('rejoin');
const micButton = document.getElementById('toggle-mic');
const cameraButton = document.getElementById('toggle-camera');
const params = new URLSearchParams(location.search);
const room = params.get('room');
const key = privateRoomKey();

let stream;
let pc;
let earlyCandidates = [];
let wantToBeInRoom = true; // false after hang-up, until "Join again"
let joined = false;
let everJoined = false; // a refused join after that is a reconnection, worth retrying
let peerPresent = false;
// Perfect negotiation: if both sides offer at once, the polite one (the
// newcomer) gives way and the impolite one (already in the room) ignores the
// other's offer.
let polite = false;
let makingOffer = false;
let ignoreOffer = false;
let isSettingRemoteAnswerPending = false;
let descriptionSent = false; // until then, our candidates ride inside the SDP
let negotiationPending = false; // needed while we were out of the room

function setStatus(name, detail = '') {
  status.textContent = `${say.status[name]} ${detail}`.trim();
  status.dataset.state = name;
}

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

// A peer connection carries one call. When that call ends, the next one
// starts on a fresh connection that already has our tracks.
function newPeerConnection() {
  pc?.close();
  pc = new RTCPeerConnection({
    ...config,
    // One transport for audio and video: half the candidates and checks.
    bundlePolicy: 'max-bundle',
    // Start gathering candidates now, not when the call starts.
    iceCandidatePoolSize: 1,
  });
  window.pc = pc;
  earlyCandidates = [];
  descriptionSent = false;
  negotiationPending = false;
  makingOffer = false;
  ignoreOffer = false;
  remoteVideo.srcObject = null;
  pc.ontrack = ({ streams }) => {
    remoteVideo.srcObject = streams[0];
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate && descriptionSent) send({ type: 'candidate', candidate: candidate.toJSON() });
  };
  pc.onnegotiationneeded = negotiate;
  pc.oniceconnectionstatechange = watchIce;
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') setStatus('connected');
    if (pc.connectionState === 'failed') setStatus('failed');
  };
  for (const track of stream.getTracks()) {
    pc.addTrack(track, stream);
  }
}

// A network change can break the path; an ICE restart gathers new candidates
// and may find another. "disconnected" can heal by itself, so give it a moment;
// "failed" will not.
const ICE_GRACE_MS = 3000;
let iceTimer;

function watchIce() {
  clearTimeout(iceTimer);
  const state = pc.iceConnectionState;
  if (state === 'failed') pc.restartIce();
  if (state === 'disconnected') {
    const watched = pc;
    iceTimer = setTimeout(() => {
      if (watched === pc && pc.iceConnectionState === 'disconnected') pc.restartIce();
    }, ICE_GRACE_MS);
  }
}

function inCall() {
  return pc.remoteDescription !== null && pc.connectionState !== 'closed';
}

function send(message) {
  socket.emit('signal', message);
}

// localDescription holds every candidate gathered so far; later ones trickle.
function sendLocalDescription() {
  send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
  descriptionSent = true;
}

// Called whenever the connection needs (re)negotiating. Alone in the room, we
// still make the offer, so it is ready the moment someone arrives.
async function negotiate() {
  if (!joined) {
    // Before the first call, joining decides who offers; in a call, this
    // renegotiation must go out once we are back in the room.
    negotiationPending = inCall();
    return;
  }
  negotiationPending = false;
  try {
    makingOffer = true;
    await pc.setLocalDescription();
    if (peerPresent) sendLocalDescription();
  } finally {
    makingOffer = false;
  }
}

async function receiveDescription(description) {
  if (description.type === 'offer' && fromAnotherConnection(description)) {
    // The side that stayed starts every new call itself, so for it this is a
    // late offer from a connection the other side has already replaced.
    if (!polite) return;
    newPeerConnection(); // the other side started over while we were away: so do we
  }
  const readyForOffer = !makingOffer && (pc.signalingState === 'stable' || isSettingRemoteAnswerPending);
  const collision = description.type === 'offer' && !readyForOffer;
  ignoreOffer = !polite && collision;
  if (ignoreOffer) return;
  // For the polite side, this rolls back its own offer if there was one.
  isSettingRemoteAnswerPending = description.type === 'answer';
  await pc.setRemoteDescription(description);
  isSettingRemoteAnswerPending = false;
  for (const candidate of earlyCandidates.splice(0)) {
    await addCandidateIfItFits(candidate);
  }
  if (description.type === 'offer') {
    setStatus('answering');
    await pc.setLocalDescription();
    sendLocalDescription();
  }
}

// Each connection has its own DTLS certificate, named by its fingerprint.
function fromAnotherConnection(description) {
  const fingerprint = (sdp) => /a=fingerprint:(.+)/.exec(sdp)?.[1].trim();
  return pc.remoteDescription !== null && fingerprint(description.sdp) !== fingerprint(pc.remoteDescription.sdp);
}

async function receiveCandidate(candidate) {
  if (!pc.remoteDescription) {
    earlyCandidates.push(candidate);
  } else {
    await addCandidateIfItFits(candidate);
  }
}

// Candidates of an offer we ignored, or of an ICE generation just replaced,
// no longer fit; that is expected, and the others still count.
async function addCandidateIfItFits(candidate) {
  try {
    await pc.addIceCandidate(candidate);
  } catch (error) {
    if (!ignoreOffer) console.warn('Skipped an ICE candidate that does not fit:', error.message);
  }
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
      status.textContent = reply.error.message;
      status.dataset.state = reply.error.code;
      return;
    }
    joined = true;
    everJoined = true;
    hangUpButton.disabled = false;
    peerPresent = reply.peers > 0;
    polite = peerPresent; // the newcomer is the polite peer
    if (inCall()) {
      setStatus('connected'); // back after a signaling outage; the call never stopped
    } else {
      setStatus(peerPresent ? 'answering' : 'waiting');
    }
    // Alone, prepare the offer; in a call, finish a renegotiation (an ICE
    // restart, say) that came up while the server was away.
    const offerNow = (!peerPresent && !inCall()) || negotiationPending;
    if (offerNow && pc.signalingState === 'stable') negotiate();
  });
}

async function peerJoined() {
  peerPresent = true;
  polite = false;
  // Back after a signaling outage, the call goes on: send only an offer
  // that is waiting; a new peer gets called.
  if (!inCall()) setStatus('calling');
  if (pc.signalingState === 'have-local-offer' && !makingOffer) {
    sendLocalDescription();
  } else if (pc.signalingState === 'stable' && !inCall()) {
    await negotiate();
  } // else: an offer is being made right now and negotiate() will send it
}

// The other side hung up or went away: drop the call, keep the room.
function peerGone() {
  peerPresent = false;
  if (pc.remoteDescription || descriptionSent) newPeerConnection();
  setStatus('peer_left');
}

function hangUp() {
  send({ type: 'bye' });
  socket.emit('leave');
  wantToBeInRoom = false;
  joined = false;
  everJoined = false;
  peerPresent = false;
  newPeerConnection();
  setStatus('hung_up');
  hangUpButton.disabled = true;
  rejoinButton.hidden = false;
}

function rejoin() {
  wantToBeInRoom = true;
  rejoinButton.hidden = true;
  join();
}

// Muting disables the track: the connection stays up and sends silence or
// black frames, so nothing needs renegotiating.
function toggle(kind, button, offLabel, onLabel) {
  const track = stream.getTracks().find((t) => t.kind === kind);
  if (!track) return;
  track.enabled = !track.enabled;
  button.setAttribute('aria-pressed', String(!track.enabled));
  button.textContent = track.enabled ? offLabel : onLabel;
}

try {
  stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
} catch (error) {
  setStatus('camera_error', `${error.name}: ${error.message}`);
  throw error;
}
localVideo.srcObject = stream;
document.getElementById('second-tab').href = location.href; // with a private room's key
newPeerConnection();

// Straight to WebSocket: the default starts with HTTP long-polling and then
// upgrades, and messages sent during the upgrade wait tens of milliseconds.
const socket = io('/signal', { transports: ['websocket'] });
socket.on('connect', () => {
  if (wantToBeInRoom) join();
});
socket.on('disconnect', () => {
  // The server forgets us; the call itself is peer to peer and carries on.
  joined = false;
  if (wantToBeInRoom) setStatus('reconnecting');
});
socket.on('peer-joined', peerJoined);
socket.on('peer-left', peerGone);
socket.on('signal', async (message) => {
  if (message.type === 'offer' || message.type === 'answer') await receiveDescription(message);
  else if (message.type === 'candidate') await receiveCandidate(message.candidate);
  else if (message.type === 'bye') peerGone();
});
socket.on('error', (error) => {
  console.warn('The signaling server refused a message:', error);
});

hangUpButton.addEventListener('click', hangUp);
rejoinButton.addEventListener('click', rejoin);
micButton.addEventListener('click', () => toggle('audio', micButton, say.mute, say.unmute));
cameraButton.addEventListener('click', () => toggle('video', cameraButton, say.camera_off, say.camera_on));
