// The call's negotiation: one RTCPeerConnection per call, "perfect
// negotiation" of its offers and answers, the candidates that arrive early,
// and ICE restarts. The page reports what happens in the room and passes on
// the signaling messages; this sends its own through send() and reports what
// the page should show through the on...() callbacks.

// A network change can break the path; an ICE restart gathers new candidates
// and may find another. "disconnected" can heal by itself, so give it a moment;
// "failed" will not.
const ICE_GRACE_MS = 3000;
const COMMON_CODECS = ['video/VP8', 'video/rtx', 'audio/opus'];

// Each connection has its own DTLS certificate, named by its fingerprint.
function fingerprint(sdp) {
  return /a=fingerprint:(.+)/.exec(sdp)?.[1].trim();
}

// Creates the first peer connection at once. onRemoteStream(stream) gets null
// when a call ends; onConnectionState(state) gets each connectionState;
// onAnswering() runs when an offer arrives and we are about to answer it;
// onIceCandidateError(event) gets the icecandidateerrors that matter: a STUN or
// TURN server that refused us, or that could not be reached at all;
// onPeerConnection(pc) gets each new peer connection, for the page to watch;
// offerAhead(offer) leaves our offer, made while alone in the room, with the
// server, which hands it to whoever joins next.
export function createNegotiation({
  configuration,
  stream,
  send,
  offerAhead = () => {},
  onRemoteStream,
  onConnectionState,
  onAnswering,
  onIceCandidateError = () => {},
  onPeerConnection = () => {},
}) {
  let pc;
  let earlyCandidates = [];
  let joined = false;
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
  let iceTimer;
  let offeredAhead = null; // the connection whose offer the server holds

  function inCall() {
    return pc.remoteDescription !== null && pc.connectionState !== 'closed';
  }

  // [call: ice-restart]
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
  // [/call]

  // [call: faster-start]
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
      else leaveOfferAhead();
    } finally {
      makingOffer = false;
    }
  }

  // Alone in the room: once every candidate is in our offer, leave it with the
  // server. Whoever joins gets it in the reply to their join, without a trip
  // through us, and can answer at once.
  function leaveOfferAhead() {
    const waiting = pc;
    const leave = () => {
      if (waiting !== pc || peerPresent || !joined || offeredAhead === pc) return;
      if (pc.signalingState !== 'have-local-offer' || pc.iceGatheringState !== 'complete') return;
      offeredAhead = pc;
      offerAhead({ type: 'offer', sdp: pc.localDescription.sdp });
    };
    leave();
    waiting.addEventListener('icegatheringstatechange', leave);
  }

  function peerConfiguration() {
    return {
      ...configuration,
      // One transport for audio and video: half the candidates and checks.
      bundlePolicy: 'max-bundle',
    };
  }
  // [/call]

  // A peer connection carries one call. When that call ends, the next one
  // starts on a fresh connection that already has our tracks.
  // No candidate pool (iceCandidatePoolSize): Chromium then now and then
  // gathered no candidate at all for a connection answered soon after it was
  // made, a newcomer's first one included, and the call hung at "new"
  // (tests/e2e/test_redis_call.py, tests/e2e/test_faults.py). Without one, the
  // first candidate comes 1-3 ms later after setLocalDescription().
  function newPeerConnection() {
    pc?.close();
    pc = new RTCPeerConnection(peerConfiguration());
    earlyCandidates = [];
    descriptionSent = false;
    negotiationPending = false;
    makingOffer = false;
    ignoreOffer = false;
    onRemoteStream(null);
    pc.ontrack = ({ streams }) => {
      onRemoteStream(streams[0]);
    };
    const serversHeard = new Set(); // the STUN/TURN servers that gave us a candidate
    pc.onicecandidate = ({ candidate }) => {
      if (candidate?.url) serversHeard.add(candidate.url);
      if (candidate && descriptionSent) send({ type: 'candidate', candidate: candidate.toJSON() });
    };
    pc.onnegotiationneeded = negotiate;
    pc.oniceconnectionstatechange = watchIce;
    pc.onconnectionstatechange = () => onConnectionState(pc.connectionState);
    reportServerErrors(pc, serversHeard);
    onPeerConnection(pc);
    for (const track of stream.getTracks()) {
      preferCommonCodecs(pc.addTrack(track, stream));
    }
  }

  // Only codecs every WebRTC browser has: VP8 (with its retransmissions) and
  // Opus. An offer listing all of Chromium's, some forty, is slower to make
  // and to apply on both sides, and a call uses one video and one audio codec.
  function preferCommonCodecs(sender) {
    const transceiver = pc.getTransceivers().find((t) => t.sender === sender);
    const kind = sender.track.kind;
    const codecs = RTCRtpReceiver.getCapabilities(kind)?.codecs.filter((c) => COMMON_CODECS.includes(c.mimeType));
    if (codecs?.length && transceiver?.setCodecPreferences) transceiver.setCodecPreferences(codecs);
  }

  // A server's refusal (401, say) is reported at once. "Could not reach" (701)
  // waits for the end of gathering and counts only if that server gave us no
  // candidate at all: browsers also report it for a local address that cannot
  // reach a server which another address reaches (IPv6 to an IPv4-only server).
  function reportServerErrors(connection, serversHeard) {
    let unreached = [];
    connection.onicecandidateerror = (event) => {
      if (event.errorCode === 701) unreached.push(event);
      else onIceCandidateError(event);
    };
    connection.onicegatheringstatechange = () => {
      if (connection.iceGatheringState !== 'complete') return;
      for (const event of unreached.filter((e) => !serversHeard.has(e.url))) onIceCandidateError(event);
      unreached = [];
    };
  }

  function fromAnotherConnection(description) {
    return pc.remoteDescription !== null && fingerprint(description.sdp) !== fingerprint(pc.remoteDescription.sdp);
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

  // [call: perfect-negotiation]
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
      onAnswering();
      // The answer goes out before it is applied here: the other side needs it
      // to finish DTLS, and applying it takes a while. Our candidates follow
      // it, as they are gathered.
      const answering = pc;
      const answer = await answering.createAnswer();
      if (answering !== pc) return; // the other side left meanwhile
      send({ type: answer.type, sdp: answer.sdp });
      descriptionSent = true;
      await answering.setLocalDescription(answer);
    }
  }
  // [/call]

  async function receiveCandidate(candidate) {
    if (!pc.remoteDescription) {
      earlyCandidates.push(candidate);
    } else {
      await addCandidateIfItFits(candidate);
    }
  }

  // [call: back-in-room]
  // In the room; peerAlreadyThere makes us the newcomer, the polite peer.
  function joinedRoom(peerAlreadyThere) {
    joined = true;
    peerPresent = peerAlreadyThere;
    polite = peerAlreadyThere;
    // Alone, prepare the offer; in a call, finish a renegotiation (an ICE
    // restart, say) that came up while the server was away.
    const offerNow = (!peerPresent && !inCall()) || negotiationPending;
    if (offerNow && pc.signalingState === 'stable') negotiate();
    // Back in the room alone with an offer made: this server has not got it yet.
    else if (!peerPresent && pc.signalingState === 'have-local-offer' && !makingOffer) leaveOfferAhead();
  }

  // Out of the room until joinedRoom() again; a call in progress carries on.
  function signalingLost() {
    joined = false;
    offeredAhead = null; // a server that went away forgot it
  }
  // [/call]

  // offerSent: the newcomer got the offer we left with the server.
  async function peerJoined({ offerSent = false } = {}) {
    peerPresent = true;
    polite = false;
    if (offerSent && offeredAhead === pc && pc.signalingState === 'have-local-offer') {
      descriptionSent = true;
      return;
    }
    // An offer being made right now (the connection made when the last peer
    // left) goes out when ready, now that peerPresent is true: a second one
    // would get a second answer, which arrives in 'stable' and fails.
    if (makingOffer) return;
    // Back after a signaling outage, send only an offer that is waiting; a
    // new peer gets called.
    if (pc.signalingState === 'have-local-offer') {
      sendLocalDescription();
    } else if (pc.signalingState === 'stable' && !inCall()) {
      await negotiate();
    }
  }

  // [call: call-ends]
  // The other side hung up or went away: drop the call, be ready for the next.
  function peerLeft() {
    peerPresent = false;
    if (pc.remoteDescription || descriptionSent) newPeerConnection();
  }
  // [/call]

  function hangUp() {
    joined = false;
    peerPresent = false;
    newPeerConnection();
  }

  // New ICE servers (fresh TURN credentials): the next call uses them, and so
  // does the current one from its next ICE restart.
  function setConfiguration(newConfiguration) {
    configuration = newConfiguration;
    if (pc.signalingState !== 'closed') pc.setConfiguration(peerConfiguration());
  }

  newPeerConnection();
  return {
    get pc() {
      return pc;
    },
    inCall,
    receiveDescription,
    receiveCandidate,
    joinedRoom,
    signalingLost,
    peerJoined,
    peerLeft,
    hangUp,
    setConfiguration,
  };
}
