// What this side sends, changed in the middle of a call: the screen instead of
// the camera, another camera, and the states the other side should see
// (muted, camera off, sharing the screen).
//
// Nothing here renegotiates. The video sender keeps its place in the SDP and
// RTCRtpSender.replaceTrack() puts another track of the same kind on it. The
// states travel on a small data channel of each peer connection, peer to peer.
//
// `stream` is the page's stream, the one each new peer connection adds: its
// video track is swapped too, so that the next call sends what this one sends
// now, and the local preview (which plays it) shows it.

// Both sides create the channel themselves with the same id (negotiated), so
// neither waits for the other's ondatachannel. It rides in the first offer.
const STATE_CHANNEL = { negotiated: true, id: 0 };
const STATES = ['muted', 'camera_off', 'sharing'];

// Its elements and strings are the call page's (templates/_media_controls.html).
export function createMediaControls(stream) {
  const shareButton = document.getElementById('share-screen');
  const cameraChoice = document.getElementById('camera-choice');
  const cameraSelect = document.getElementById('camera-select');
  const remoteState = document.getElementById('remote-state');
  const problem = document.getElementById('media-problem');
  const strings = JSON.parse(document.getElementById('media-strings').textContent);
  let pc;
  let channel;
  let camera = stream.getVideoTracks()[0]; // the camera to send when not sharing
  let screen = null; // the screen's track while sharing

  const videoTrack = () => stream.getVideoTracks()[0];
  const audioTrack = () => stream.getAudioTracks()[0];

  function localState() {
    return { muted: !audioTrack()?.enabled, camera_off: !videoTrack()?.enabled, sharing: screen !== null };
  }

  // The full state each time, never a change: whatever came before, the last
  // message tells the whole truth.
  function sendState() {
    if (channel?.readyState === 'open') channel.send(JSON.stringify(localState()));
  }

  function showRemoteState(state) {
    const shown = STATES.filter((name) => state?.[name] === true);
    remoteState.replaceChildren(
      ...shown.map((name) => {
        const badge = document.createElement('span');
        badge.dataset.state = name;
        badge.textContent = strings.remote[name];
        return badge;
      }),
    );
    remoteState.hidden = shown.length === 0;
  }

  function receiveState({ data }) {
    try {
      const state = JSON.parse(data);
      if (typeof state !== 'object' || state === null) throw new Error('not an object');
      showRemoteState(state);
    } catch (error) {
      console.warn('Ignored a state message from the other side that is not JSON state:', error.message);
    }
  }

  // Each peer connection carries one call: a new one gets its own channel, and
  // the other side of it has heard nothing from us yet. The channel outlives
  // renegotiations and ICE restarts (SCTP runs over the same DTLS transport),
  // and what is sent while the path is down arrives once it is back.
  function attach(peerConnection) {
    pc = peerConnection;
    showRemoteState(null);
    channel = pc.createDataChannel('media-state', STATE_CHANNEL);
    const mine = channel;
    channel.addEventListener('open', sendState);
    channel.addEventListener('message', receiveState);
    channel.addEventListener('close', () => mine === channel && showRemoteState(null));
  }

  // The video sender, found by what it was made for: its track may be another.
  function videoSender() {
    if (!pc || pc.signalingState === 'closed') return null;
    return pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender ?? null;
  }

  // Send `track` instead of the current video track. It keeps "camera off":
  // the button turns off whatever video goes out.
  async function sendVideo(track) {
    const old = videoTrack();
    track.enabled = old.enabled;
    await videoSender()?.replaceTrack(track);
    stream.removeTrack(old);
    stream.addTrack(track);
  }

  function showProblem(template, error) {
    problem.textContent = error ? template.replace('{error}', `${error.name}: ${error.message}`) : '';
    problem.hidden = !error;
  }

  async function startSharing() {
    let captured;
    try {
      captured = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch (error) {
      // NotAllowedError: the person closed the browser's picker; nothing to say.
      showProblem(strings.share_failed, error.name === 'NotAllowedError' ? null : error);
      return;
    }
    showProblem('', null);
    screen = captured.getVideoTracks()[0];
    screen.contentHint = 'detail'; // text stays sharp; the encoder drops frames rather than detail
    // Stopped from the browser's own "Stop sharing" bar, or the shared window closed.
    screen.addEventListener('ended', stopSharing);
    await sendVideo(screen);
    showSharing();
  }

  async function stopSharing() {
    if (!screen) return;
    const shared = screen;
    screen = null;
    await sendVideo(camera);
    shared.stop();
    showSharing();
  }

  function showSharing() {
    shareButton.textContent = screen ? strings.stop_sharing : strings.share_screen;
    shareButton.setAttribute('aria-pressed', String(screen !== null));
    sendState();
  }

  // Open the chosen camera, then send it and close the old one. Phones that
  // cannot open two cameras at once refuse the new one (NotReadableError):
  // there, close the old camera first.
  async function useCamera(deviceId) {
    const open = async () => {
      const opened = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId } } });
      return opened.getVideoTracks()[0];
    };
    const old = camera;
    let fresh;
    try {
      try {
        fresh = await open();
      } catch (error) {
        if (error.name !== 'NotReadableError') throw error;
        old.stop();
        fresh = await open();
      }
    } catch (error) {
      showProblem(strings.camera_failed, error);
      await listCameras();
      return;
    }
    showProblem('', null);
    camera = fresh;
    if (!screen) await sendVideo(fresh);
    old.stop();
  }

  // Labels are empty until the page may use a camera, so this runs after
  // getUserMedia, and again whenever a camera is plugged in or out.
  async function listCameras() {
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
    cameraSelect.replaceChildren(
      ...cameras.map((device, i) => new Option(device.label || `${strings.camera} ${i + 1}`, device.deviceId)),
    );
    cameraSelect.value = camera.getSettings().deviceId;
    cameraChoice.hidden = cameras.length < 2;
  }

  // Some browsers (Safari on iPhone) cannot capture the screen at all.
  shareButton.hidden = !navigator.mediaDevices.getDisplayMedia;
  shareButton.addEventListener('click', async () => {
    shareButton.disabled = true; // one browser picker at a time
    try {
      await (screen ? stopSharing() : startSharing());
    } finally {
      shareButton.disabled = false;
    }
  });
  cameraSelect.addEventListener('change', () => useCamera(cameraSelect.value));
  navigator.mediaDevices.addEventListener('devicechange', listCameras);
  listCameras();

  return { attach, sendState };
}
