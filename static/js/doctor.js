// The connection doctor: from what both sides saw, one plain-words reason why
// a call does not work. Pure functions, no page and no connection: call.js
// collects the evidence and shows the verdict; the tests call diagnose() too.
//
// Each side sends the other a report (a signal, see the README's protocol):
// how many candidates of each type it gathered, and its ICE error codes. A
// stalled call can have its cause on the other side, which only it can see.

// A call still not connected this long after both descriptions are set is
// stalled: on one machine or a LAN, ICE connects in well under a second.
export const STALL_MS = 5000;

export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'];

// The icecandidateerror codes worth a sentence: the TURN server refused the
// credentials (401), or could not be reached (701).
const SERVER_PROBLEMS = { 401: 'turn_refused', 701: 'turn_unreachable' };
const MAX_REPORTED_ERRORS = 8; // as signaling/protocol.py allows

export function noCandidates() {
  return Object.fromEntries(CANDIDATE_TYPES.map((type) => [type, 0]));
}

// The report this side sends: counts by type, and the distinct error codes.
export function report(candidates, errors) {
  const codes = [...new Set(errors.map((error) => error.code))].slice(0, MAX_REPORTED_ERRORS);
  return { type: 'report', candidates: { ...candidates }, errors: codes };
}

function total(candidates) {
  return CANDIDATE_TYPES.reduce((sum, type) => sum + (candidates[type] ?? 0), 0);
}

function onlyHost(candidates) {
  return candidates.host > 0 && total(candidates) === candidates.host;
}

// The STUN/TURN servers an RTCConfiguration names that can relay: turn: or turns: URLs.
export function turnServerCount(configuration) {
  const urls = (configuration.iceServers ?? []).flatMap((server) => [server.urls].flat());
  return urls.filter((url) => /^turns?:/.test(url)).length;
}

// evidence: {
//   secureContext, mediaError (a getUserMedia error's name, or null),
//   configuration (the RTCConfiguration in use),
//   gathering (iceGatheringState), gatheringSlow (gathering for STALL_MS),
//   local: {candidates, errors: [{code, text, url}]},
//   remote: the other side's report, or null before it came,
//   connection (connectionState), stalled (not connected STALL_MS after the
//   descriptions were set, or failed), autoplayBlocked,
// }
// Returns null when there is nothing to say, else {name, ...details} where
// name is a key of the [doctor] strings in steps/ui.*.toml.
export function diagnose(evidence) {
  // Without a camera there is no call at all; these come first.
  if (!evidence.secureContext) return { name: 'insecure_page' };
  if (evidence.mediaError === 'NotAllowedError' || evidence.mediaError === 'SecurityError') {
    return { name: 'camera_blocked', code: evidence.mediaError };
  }
  if (evidence.mediaError) return null; // no camera, or in use: the status line says so
  if (evidence.connection === 'connected') {
    // Whatever went wrong on the way, the call got through; only seeing it is left.
    return evidence.autoplayBlocked ? { name: 'autoplay_blocked' } : null;
  }

  // Certain at once, without waiting for the call to stall.
  const { configuration, local } = evidence;
  if (configuration.iceTransportPolicy === 'relay' && turnServerCount(configuration) === 0) {
    return { name: 'relay_without_turn' };
  }
  for (const error of local.errors) {
    const name = SERVER_PROBLEMS[error.code];
    if (name) return { name, code: error.code, text: error.text, url: error.url };
  }
  // Host candidates come within milliseconds, STUN/TURN ones may take many
  // seconds (an unreachable server over UDP: 40 s before its 701), so with
  // relays only, only the end of gathering tells.
  const gatheringOver = evidence.gathering === 'complete'
    || (evidence.gatheringSlow && configuration.iceTransportPolicy !== 'relay');
  if (gatheringOver && total(local.candidates) === 0) return { name: 'no_candidates' };

  // The rest is only a cause once the call has stalled.
  if (!evidence.stalled) return null;
  const { remote } = evidence;
  // A TURN server that refused the other side explains its lack of candidates too.
  const remoteProblem = remote?.errors.find((code) => SERVER_PROBLEMS[code]);
  if (remoteProblem) return { name: 'peer_turn_problem', code: remoteProblem };
  if (remote && total(remote.candidates) === 0) return { name: 'peer_no_candidates' };
  if (remote && onlyHost(local.candidates) && onlyHost(remote.candidates)) return { name: 'lan_only' };
  return { name: 'no_path' };
}
