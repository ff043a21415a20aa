// Generated from npm-core/src/contract.rs by `make contract`: do not edit.
// The numbers the engine (npm-core) and the package's JavaScript agree on.
export const OP_IDLE = 0;
export const OP_RESOLVE_URL = 1;
export const OP_CONNECT = 2;
export const OP_TRANSMIT = 3;
export const OP_TRANSMIT_BATCH = 4;
export const OP_AWAIT_TURN_END = 5;
export const OP_PING = 6;
export const OP_CONTROL = 7;
export const OP_MEASURE_BUFFERED = 8;
export const OP_CLOSE = 9;
export const OP_ABANDON = 10;
export const OP_RESUMED = 11;
export const OP_OPENED = 12;
export const OP_CLOSED = 13;
export const OP_RECONNECTING = 14;
export const OP_FAILED = 15;
export const OP_RETRIES_EXHAUSTED = 16;
export const OP_WENT_OFFLINE = 17;
export const OP_WENT_ONLINE = 18;
export const OP_REQUEST_FAILED = 19;
export const OP_DEADLINE = 20;
export const OP_STATE_CHANGED = 21;
export const OP_RUN_SETUP = 22;
export const OP_REMOVED = 23;
export const SIGNAL_CONNECT = 0;
export const SIGNAL_URL_RESOLVED = 1;
export const SIGNAL_OPENED = 2;
export const SIGNAL_SOCKET_ERROR = 3;
export const SIGNAL_OFFLINE = 4;
export const SIGNAL_ONLINE = 5;
export const SIGNAL_SUSPEND = 6;
export const SIGNAL_RESUME = 7;
export const SIGNAL_WAKE = 8;
export const SIGNAL_TURN_ENDED = 9;
export const SIGNAL_SETUP_DONE = 10;
export const SIGNAL_INTEREST = 11;
export const FIGURE_STATE = 0;
export const FIGURE_RETRY_COUNT = 1;
export const FIGURE_QUEUED_COUNT = 2;
export const FIGURE_QUEUED_BYTES = 3;
export const FIGURE_RTT_MS = 4;
export const RECEIVED_MESSAGE = 0;
export const RECEIVED_MAYBE_ANSWER = 1;
export const RECEIVED_PONG = 2;
export const RECEIVED_TOO_BIG = 3;
export const RECEIVED_STALE = 4;
export const RECEIVED_BUSY = 8;
export const INCOMING_MESSAGE = 0;
export const INCOMING_PONG = 1;
export const INCOMING_TAGGED = 2;
export const INCOMING_CONTROL = 3;
export const INCOMING_INVALID = 4;
export const ANSWER_NONE = 0;
export const ANSWER_REQUEST = 1;
export const ANSWER_LATE = 2;
export const REQUEST_FAILURE_TIMEOUT = 0;
export const REQUEST_FAILURE_CONNECTION_LOST = 1;
export const REQUEST_FAILURE_CLOSED = 2;
export const REQUEST_FAILURE_DROPPED = 3;
export const REQUEST_FAILURE_QUEUE_FULL = 4;
export const REQUEST_FAILURE_EXPIRED = 5;
export const REQUEST_FAILURE_ABORTED = 6;
/** By failure kind: the error code and the start of its message. */
export const FAILURES = [["URL_PROVIDER", "the URL provider failed: "], ["INVALID_URL", "the browser refused the URL: "], ["SOCKET", "the connection failed or broke (WebSocket gives no detail)"], ["CONNECT_TIMEOUT", "the connection did not open within connectionTimeout"], ["NOT_A_SESSION_SERVER", "the server does not speak resocket's session protocol (it did not select the resocket.v1 subprotocol)"], ["PROTOCOL", "the server broke the session protocol: "], ["SETUP", "the setup step failed: "], ["SETUP_TIMEOUT", "the setup step did not finish within setupTimeoutMs"]];
/** By request failure kind: the rejection's code. */
export const REQUEST_FAILURES = ["REQUEST_TIMEOUT", "CONNECTION_LOST", "CLOSED", "DROPPED", "QUEUE_FULL", "EXPIRED", "ABORTED"];
export const SENT_QUEUED = 0;
export const SENT_NOW = 1;
export const SENT_SKIPPED = 2;
/** By removal kind: the "removed" event's `reason`. */
export const REMOVALS = ["expired", "aborted"];
/** The states by number, as `state` names them. */
export const STATES = ["connecting", "open", "closing", "closed", "waiting", "offline", "suspended", "idle"];
/** `readyState` by state number. */
export const READY_STATES = [0, 1, 2, 3, 0, 0, 0, 0];
/** The options `create` takes, in order (the final close codes follow). */
export const POLICY_FIELDS = ["minReconnectionDelay", "maxReconnectionDelay", "reconnectionDelayGrowFactor", "jitter", "minUptime", "connectionTimeout", "maxRetries", "maxEnqueuedMessages", "maxMessageBytes", "heartbeat.intervalMs", "heartbeat.timeoutMs", "session.window", "setupTimeoutMs", "idleCloseMs"];
/** By policy field: what a valid value looks like, as the engine says it. */
export const POLICY_EXPECTED = ["from 0 ms up to the maximum delay", "from 0 to 2147483647 ms (the browser timer limit)", "a finite number of at least 1", "a number from 0 to 1", "from 0 to 2147483647 ms", "from 1 to 2147483647 ms", "a whole number of at least 0, or unlimited", "a whole number of messages, at least 1", "a whole number of bytes, at least 1", "from 1 to 2147483647 ms", "from 1 to 2147483647 ms", "a whole number of bytes, at least 1", "from 1 to 2147483647 ms", "from 0 to 2147483647 ms"];
/** By policy field: [kind (0 milliseconds, rounded; 1 a whole number; 2 a whole number or Infinity; 3 a finite number), least, most, the index of the field bounding it or -1]. NaN leaves a heartbeat field or the session window out. */
export const POLICY_RULES = [[0, 0, 2147483647, 1], [0, 0, 2147483647, -1], [3, 1.0, 1.7976931348623157e308, -1], [3, 0.0, 1.0, -1], [0, 0, 2147483647, -1], [0, 1, 2147483647, -1], [2, 0, 4294967295, -1], [2, 1, 4294967295, -1], [2, 1, 4294967295, -1], [0, 1, 2147483647, -1], [0, 1, 2147483647, -1], [1, 1, 4294967295, -1], [0, 1, 2147483647, -1], [0, 0, 2147483647, -1]];
/** The index of `finalCloseCodes` in `create`'s refusals. */
export const FINAL_CODES_FIELD = 14;
/** What `finalCloseCodes` must hold, and the rule of each code. */
export const FINAL_CODES_EXPECTED = "close codes from 1000 to 4999";
export const FINAL_CODES_RULE = [1, 1000, 4999, -1];
/** The longest delay a browser timer takes. */
export const MAX_TIMER_MS = 2147483647;
/** Session mode: the subprotocol offered, and the first character code of a message frame, of a batch frame and of a control frame. */
export const SESSION_SUBPROTOCOL = "resocket.v1";
export const MESSAGE_TAG = 109;
export const BATCH_TAG = 98;
export const CONTROL_TAG = 126;
/** The options' defaults: the core's. */
export const DEFAULTS = {
  minReconnectionDelay: 1000,
  maxReconnectionDelay: 30000,
  reconnectionDelayGrowFactor: 2,
  jitter: 0.5,
  minUptime: 5000,
  connectionTimeout: 5000,
  maxRetries: Infinity,
  maxEnqueuedMessages: 1000,
  maxMessageBytes: 16777216,
  finalCloseCodes: [1002, 1003, 1007, 1008, 1009, 1010],
  "session.window": 102400,
  setupTimeoutMs: 10000,
};
