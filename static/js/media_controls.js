// What this side sends, changed in the middle of a call: the screen instead of
// the camera, another camera, and the states the other side should see
// (muted, camera off, sharing the screen).
//
// Nothing here renegotiates. The video sender keeps its place in the SDP and
// RTCRtpSender.replaceTrack() puts another track of the same kind on it. The
// states go through the signaling server as a 'state' signal: a data channel
// would add an SCTP section to every offer for three booleans.
//
// `stream` is the page's stream, the one each new peer connection adds: its
// video track is swapped too, so that the next call sends what this one sends
// now, and the local preview (which plays it) shows it.

const STATES = ['muted', 'camera_off', 'sharing'];

// Its elements and strings are the call page's (templates/_media_controls.html).
// sendSignal(message) sends a signal to the peer, when there is one.
export function createMediaControls(stream, sendSignal) {
  const shareButton = document.getElementById('share-screen');
  const cameraChoice = document.getElementById('camera-choice');
  const cameraSelect = document.getElementById('camera-select');
  const remoteState = document.getElementById('remote-state');
  const problem = document.getElementById('media-problem');
  const strings = JSON.parse(document.getElementById('media-strings').textContent);
  let pc;
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
    sendSignal({ type: 'state', ...localState() });
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

  // The peer connection whose video sender carries the camera or the screen.
  // Once it connects, the state goes again: whatever the other side heard
  // before its own call began, this is the one it shows.
  function attach(peerConnection) {
    pc = peerConnection;
    pc.addEventListener('connectionstatechange', () => {
      if (peerConnection.connectionState === 'connected') sendState();
    });
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

  // showRemoteState(message) shows a state signal; showRemoteState(null) clears it.
  return { attach, sendState, showRemoteState };
}
