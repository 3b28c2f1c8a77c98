// The finished call: step 5's code, plus what a real call needs: hang-up,
// a peer who leaves, joining again, mute and camera toggles, and ICE servers
// from the server's configuration. Read the step pages first.

const config = JSON.parse(document.getElementById('call-config').textContent);
const say = JSON.parse(document.getElementById('call-strings').textContent);
const localVideo = document.getElementById('local-video');
const remoteVideo = document.getElementById('remote-video');
const status = document.getElementById('status');
const hangUpButton = document.getElementById('hang-up');
const rejoinButton = document.getElementById('rejoin');
const micButton = document.getElementById('toggle-mic');
const cameraButton = document.getElementById('toggle-camera');
const room = new URLSearchParams(location.search).get('room');

let stream;
let pc;
let earlyCandidates = [];
let preparedOffer = null; // made while waiting alone, sent when someone arrives
let descriptionSent = false; // until then, our candidates ride inside the SDP
let wantToBeInRoom = true; // false after hang-up, until "Join again"

function setStatus(key, detail = '') {
  status.textContent = `${say.status[key]} ${detail}`.trim();
  status.dataset.state = key;
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
  preparedOffer = null;
  descriptionSent = false;
  remoteVideo.srcObject = null;
  for (const track of stream.getTracks()) {
    pc.addTrack(track, stream);
  }
  pc.ontrack = ({ streams }) => {
    remoteVideo.srcObject = streams[0];
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate && descriptionSent) send({ type: 'candidate', candidate: candidate.toJSON() });
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'connected') setStatus('connected');
    if (pc.connectionState === 'failed') setStatus('failed');
  };
}

function send(message) {
  socket.emit('signal', message);
}

function join() {
  setStatus('joining');
  socket.emit('join', { room }, (reply) => {
    if (!reply.ok) {
      wantToBeInRoom = false;
      status.textContent = reply.error.message;
      status.dataset.state = reply.error.code;
      return;
    }
    hangUpButton.disabled = false;
    if (reply.peers === 0) {
      setStatus('waiting');
      prepareOffer();
    } else {
      setStatus('answering');
    }
  });
}

// While we wait alone, make the offer and gather candidates, so that when
// someone arrives the call starts at once instead of step by step.
function prepareOffer() {
  preparedOffer ??= pc.setLocalDescription();
  return preparedOffer;
}

// localDescription holds every candidate gathered so far; later ones trickle.
function sendLocalDescription() {
  send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
  descriptionSent = true;
}

async function call() {
  setStatus('calling');
  await prepareOffer();
  sendLocalDescription();
}

async function setRemoteDescription(description) {
  await pc.setRemoteDescription(description);
  for (const candidate of earlyCandidates.splice(0)) {
    await pc.addIceCandidate(candidate);
  }
}

async function answer(offer) {
  await setRemoteDescription(offer);
  await pc.setLocalDescription();
  sendLocalDescription();
}

async function addCandidate(candidate) {
  if (pc.remoteDescription) {
    await pc.addIceCandidate(candidate);
  } else {
    earlyCandidates.push(candidate);
  }
}

// The other side hung up or went away: drop the call, keep the room.
function peerGone() {
  if (pc.remoteDescription || descriptionSent) newPeerConnection();
  setStatus('peer_left');
  prepareOffer();
}

function hangUp() {
  send({ type: 'bye' });
  socket.emit('leave');
  wantToBeInRoom = false;
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
newPeerConnection();

// Straight to WebSocket: the default starts with HTTP long-polling and then
// upgrades, and messages sent during the upgrade wait tens of milliseconds.
const socket = io('/signal', { transports: ['websocket'] });
socket.on('connect', () => {
  if (wantToBeInRoom) join();
});
socket.on('disconnect', () => {
  if (wantToBeInRoom) setStatus('reconnecting');
});
socket.on('peer-joined', call);
socket.on('peer-left', peerGone);
socket.on('signal', async (message) => {
  if (message.type === 'offer') await answer(message);
  else if (message.type === 'answer') await setRemoteDescription(message);
  else if (message.type === 'candidate') await addCandidate(message.candidate);
  else if (message.type === 'bye') peerGone();
});
socket.on('error', (error) => {
  console.warn('The signaling server refused a message:', error);
});

hangUpButton.addEventListener('click', hangUp);
rejoinButton.addEventListener('click', rejoin);
micButton.addEventListener('click', () => toggle('audio', micButton, say.mute, say.unmute));
cameraButton.addEventListener('click', () => toggle('video', cameraButton, say.camera_off, say.camera_on));
