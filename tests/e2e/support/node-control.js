// `/control`'s query for the Node test server, read by the rules of the Rust test server's
// (server/src/control.rs): the same actions and parameters, the same defaults, and a refusal
// (400, with the reason) for what it would refuse, so a test that passes against one server
// asked the other for the same thing.

/** How long a restart refuses upgrades unless `down_ms` says otherwise. */
const DEFAULT_DOWN_MS = 2_000;
const MAX_DOWN_MS = 60_000;
/** A close frame's payload is at most 125 bytes, two of them the code. */
const MAX_REASON_BYTES = 123;

const ACTIONS = ['drop', 'silent', 'stall', 'close', 'restart', 'forget'];
/** Parameters that belong to one action only. */
const ACTION_PARAMETERS = { code: 'close', reason: 'close', down_ms: 'restart' };

/** A `/control` request the server cannot carry out; its message is the 400 answer's body. */
export class BadControl extends Error {}

/**
 * The order `params` (a URLSearchParams) gives: `{ action, client }` (client undefined for
 * `restart`, and for a `forget` of every session), with `code` and `reason` for `close`,
 * `downMs` for `restart`. Throws a BadControl.
 */
export function readControl(params) {
  const action = params.get('action');
  if (action === null) throw new BadControl(`/control needs ?action=${ACTIONS.join(', ')} (and client=NAME)`);
  if (!ACTIONS.includes(action)) throw new BadControl(`action must be one of ${ACTIONS.join(', ')}, not ${JSON.stringify(action)}`);
  for (const [parameter, appliesTo] of Object.entries(ACTION_PARAMETERS)) {
    if (appliesTo !== action && params.has(parameter)) {
      throw new BadControl(`${parameter} only applies to action=${appliesTo}, not to action=${action}`);
    }
  }
  const client = params.get('client') || undefined;
  switch (action) {
    case 'restart':
      return { action, downMs: downMs(params.get('down_ms')) };
    case 'forget':
      return { action, client };
    default:
      if (client === undefined) throw new BadControl(`action=${action} needs client=NAME: the tag the client put in its WebSocket URL`);
      if (action !== 'close') return { action, client };
      return { action, client, code: closeCode(params.get('code')), reason: closeReason(params.get('reason')) };
  }
}

function downMs(value) {
  if (value === null) return DEFAULT_DOWN_MS;
  const ms = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(ms <= MAX_DOWN_MS)) throw new BadControl(`down_ms must be a whole number from 0 to ${MAX_DOWN_MS}, not ${JSON.stringify(value)}`);
  return ms;
}

/** Codes an endpoint may put in a close frame; 1004 is reserved, 1005, 1006 and 1015 only describe a close locally. */
function closeCode(value) {
  if (value === null) return 1000;
  const code = /^\d+$/.test(value) ? Number(value) : NaN;
  const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  if (!sendable) {
    throw new BadControl(`code must be a close code allowed on the wire (1000-1003, 1007-1014 or 3000-4999), not ${JSON.stringify(value)}`);
  }
  return code;
}

function closeReason(value) {
  const reason = value ?? '';
  const bytes = Buffer.byteLength(reason);
  if (bytes > MAX_REASON_BYTES) throw new BadControl(`reason may be at most ${MAX_REASON_BYTES} bytes of UTF-8, not ${bytes}`);
  return reason;
}
