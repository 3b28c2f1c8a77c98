// [step 1+]
// Step 1: the page's two videos, a socket to the signaling server, and a
// peer connection. No ICE servers: both tabs run on this machine, so the
// candidates each browser finds on its own are enough.
const localVideo = document.getElementById('local-video');
const remoteVideo = document.getElementById('remote-video');
const status = document.getElementById('status');
const room = new URLSearchParams(location.search).get('room');

const pc = new RTCPeerConnection();
window.pc = pc; // so you can inspect it in the console
// [/step]
// [step 2+]

// Step 2: ask for the camera and microphone before joining, so the tracks
// are ready by the time an offer needs them. addTrack is what sends them.
const stream = await navigator.mediaDevices.getUserMedia({
  video: true,
  audio: true,
});
localVideo.srcObject = stream;
for (const track of stream.getTracks()) {
  pc.addTrack(track, stream);
}
// [/step]
// [step 5+]

// Step 5: the other side's tracks arrive here; show their stream.
pc.ontrack = ({ streams }) => {
  remoteVideo.srcObject = streams[0];
};
// [/step]
// [step 1+]

// closeOnBeforeunload: say goodbye when the tab closes, so the other tab hears
// at once. Otherwise, on long-polling, the server notices only when pings stop.
const socket = io('/signal', { closeOnBeforeunload: true });
socket.on('connect', () => {
  socket.emit('join', { room }, (reply) => {
    if (!reply.ok) {
      status.textContent = reply.error.message;
    } else if (reply.peers === 0) {
      status.textContent = 'Joined. Waiting for a second tab...';
    } else {
      status.textContent = 'Joined. The other tab is here.';
    }
  });
});
socket.on('peer-left', () => {
  status.textContent = 'The other tab left. Reload both tabs to start again.';
});
// [/step]
// [step 1-2]
socket.on('peer-joined', () => {
  status.textContent = 'The other tab joined.';
});
// [/step]
// [step 3+]

// Step 3: whoever was here first makes the offer when the second tab arrives.
// Setting the local description also starts gathering ICE candidates.
socket.on('peer-joined', async () => {
  status.textContent = 'The other tab joined. Sending an offer...';
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  socket.emit('signal', { type: 'offer', sdp: offer.sdp });
});

pc.onicecandidate = ({ candidate }) => {
  // A null candidate means gathering is over: there is nothing to send.
  if (candidate) {
    socket.emit('signal', { type: 'candidate', candidate: candidate.toJSON() });
  }
};

// A candidate can arrive before the offer or answer it belongs to; keep it
// until the remote description is set.
const earlyCandidates = [];
// [/step]
// [step 4+]

// Step 4: set the remote description, then add any candidates that waited.
async function setRemoteDescription(description) {
  await pc.setRemoteDescription(description);
  for (const candidate of earlyCandidates.splice(0)) {
    await pc.addIceCandidate(candidate);
  }
}
// [/step]
// [step 3+]

socket.on('signal', async (message) => {
  if (message.type === 'offer') {
// [/step]
// [step 3]
    status.textContent = 'Received an offer. Answering it is step 4.';
// [/step]
// [step 4+]
    await setRemoteDescription(message);
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    socket.emit('signal', { type: 'answer', sdp: answer.sdp });
    status.textContent = 'Answered the offer.';
  } else if (message.type === 'answer') {
    // Say so before waiting: a 'peer-left' that arrives meanwhile must have the last word.
    status.textContent = 'The other tab answered.';
    await setRemoteDescription(message);
// [/step]
// [step 3+]
  } else if (message.type === 'candidate') {
    if (pc.remoteDescription) {
      await pc.addIceCandidate(message.candidate);
    } else {
      earlyCandidates.push(message.candidate);
    }
  }
});
// [/step]
