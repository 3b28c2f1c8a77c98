// A peer that does not trickle ICE, as aiortc and some native stacks behave:
// it waits until gathering is complete and sends every candidate inside its
// SDP, never as separate messages, and ignores the candidates it receives.
window.startNonTricklePeer = async (room) => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  const pc = new RTCPeerConnection();
  window.pc = pc;
  for (const track of stream.getTracks()) pc.addTrack(track, stream);

  const remote = document.createElement('video');
  remote.id = 'remote-video';
  remote.autoplay = remote.muted = remote.playsInline = true;
  document.body.append(remote);
  pc.ontrack = ({ streams }) => { remote.srcObject = streams[0]; };

  const gatheringComplete = () => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
  const sendDescription = async () => {
    await pc.setLocalDescription();
    await gatheringComplete();
    socket.emit('signal', { type: pc.localDescription.type, sdp: pc.localDescription.sdp });
  };

  const socket = io('/signal');
  socket.on('peer-joined', sendDescription);
  socket.on('signal', async (message) => {
    if (message.type === 'offer') {
      await pc.setRemoteDescription(message);
      await sendDescription();
    } else if (message.type === 'answer') {
      await pc.setRemoteDescription(message);
    }
  });
  await new Promise((resolve) => socket.on('connect', resolve));
  return socket.emitWithAck('join', { room });
};
