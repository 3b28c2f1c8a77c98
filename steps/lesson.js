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
// [step 6+]

// Step 6: a text chat over a data channel. The caller creates the channel
// with its offer (in 'peer-joined', below); the other tab is handed it here.
const chatForm = document.getElementById('chat-form');
const chatFields = document.getElementById('chat-fields');
const chatLog = document.getElementById('chat-log');
const chatState = document.getElementById('chat-state');
let channel = null;

pc.ondatachannel = (event) => {
  useChannel(event.channel);
};

function useChannel(newChannel) {
  channel = newChannel;
  showChannelState();
  channel.onopen = () => {
    showChannelState();
    status.textContent = 'The data channel is open: you can chat with the other tab.';
  };
  channel.onclose = showChannelState;
  channel.onmessage = (event) => {
    showMessage(chatLog.dataset.peer, event.data);
  };
}

// The form can send only while the channel is open.
function showChannelState() {
  chatState.textContent = channel.readyState;
  chatFields.disabled = channel.readyState !== 'open';
}

// textContent, never innerHTML: the other tab's text is shown, not run.
function showMessage(who, text) {
  const item = document.createElement('li');
  item.textContent = `${who}: ${text}`;
  chatLog.append(item);
}

chatForm.onsubmit = (event) => {
  event.preventDefault(); // send over the channel, not to the server
  const text = chatForm.elements.message.value;
  channel.send(text);
  showMessage(chatLog.dataset.me, text);
  chatForm.reset();
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
// [/step]
// [step 6+]
  // A connection serves one call. If this one has been in a call, close it:
  // its channel closes with it (a closed tab may never tell the channel).
  if (pc.remoteDescription) {
    pc.close();
  }
// [/step]
// [step 1+]
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
// [/step]
// [step 6+]
  if (pc.signalingState === 'closed') {
    status.textContent = 'This tab already had a call, and its connection is closed. Reload this tab to call again.';
    return;
  }
  // Before the offer: the offer must carry a section for the channel.
  useChannel(pc.createDataChannel('chat'));
// [/step]
// [step 3+]
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
