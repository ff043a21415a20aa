// Reads the constructor's arguments (URL, protocols, options object) with the option names
// of `reconnecting-websocket`. Every mistake is a TypeError naming the option (or a
// SyntaxError for URLs and subprotocols, as `WebSocket` throws), before anything connects.
// The policy's defaults and ranges are the core's: this file checks them by the engine's rules,
// generated into contract.js, so the constructor throws before the engine has loaded.
import {
  DEFAULTS,
  FINAL_CODES_EXPECTED,
  FINAL_CODES_FIELD,
  FINAL_CODES_RULE,
  MAX_TIMER_MS,
  POLICY_EXPECTED,
  POLICY_FIELDS,
  POLICY_RULES,
} from "./contract.js";
import { isRawData, readFormat } from "./format.js";
import { describe, typeError, typeName } from "./naming.js";
/**
 * An option of partysocket that resocket accepts and ignores, so the import swap keeps working:
 * resocket logs to the console.
 */
const IGNORED_OPTIONS = ["debugLogger"];
/** The largest close reason the protocol allows, in bytes of UTF-8. */
const MAX_REASON_BYTES = 123;

const utf8 = new TextEncoder();
const NON_ASCII = /[^\0-\x7f]/;

/**
 * A frame's size as `bufferedAmount` counts it: text in UTF-8 bytes. An ASCII text's UTF-8 size
 * is its length: one scan instead of encoding a copy of every frame sent.
 */
export function wireSize(data) {
  if (typeof data !== "string") return binarySize(data);
  return NON_ASCII.test(data) ? utf8.encode(data).length : data.length;
}

/** A message's size without encoding it: a string's length, a buffer's or Blob's bytes. */
export function messageSize(data) {
  return typeof data === "string" ? data.length : binarySize(data);
}

function binarySize(data) {
  return (typeof Blob !== "undefined" && data instanceof Blob ? data.size : data?.byteLength) ?? 0;
}

function domError(message, name) {
  return new DOMException(`resocket: ${message}`, name);
}

/**
 * `send`'s options, checked: `{ volatile, ttlMs, signal }` with `ttlMs` NaN for none. Throws a
 * TypeError naming what is wrong.
 */
export function sendOptions(options) {
  if (options === undefined) return { volatile: false, ttlMs: NaN, signal: undefined };
  if (typeof options !== "object" || options === null) {
    throw typeError(`send(data, options): options must be an object, got ${typeName(options)}`);
  }
  const { volatile = false, ttlMs, signal } = options;
  if (typeof volatile !== "boolean") {
    throw typeError(`send(data, options): volatile must be a boolean, got ${describe(volatile)}`);
  }
  return { volatile, ttlMs: timeToLive(ttlMs, "send(data, options)"), signal: abortSignal(signal, "send(data, options)") };
}

/** A time to live in ms, checked (NaN for none); `call` names the call for the error. */
export function timeToLive(ttlMs, call) {
  if (ttlMs === undefined) return NaN;
  if (!(typeof ttlMs === "number" && ttlMs >= 0 && ttlMs <= MAX_TIMER_MS)) {
    throw typeError(`${call}: ttlMs must be from 0 to ${MAX_TIMER_MS} milliseconds, got ${describe(ttlMs)}`);
  }
  return ttlMs;
}

/** An AbortSignal or undefined, checked; `call` names the call for the error. */
export function abortSignal(signal, call) {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError(`${call}: signal must be an AbortSignal, got ${typeName(signal)}`);
  }
  return signal;
}

/** An error's message, for reports about failures in user code or the browser. */
export function errorText(error) {
  return error instanceof Error ? error.message : typeof error === "string" ? error : "unknown JavaScript error";
}

/** A WebSocket URL resolved as the browser will (relative to the page), or an error text. */
export function checkUrl(url) {
  const fail = (reason) => ({ error: `invalid WebSocket URL ${JSON.stringify(url)}: ${reason}` });
  const page = globalThis.location?.href;
  let parsed;
  try {
    parsed = new URL(url, page);
  } catch {
    return fail(page === undefined ? "not a valid URL (a relative one needs a page to resolve against)" : "not a valid URL");
  }
  if (!["ws:", "wss:", "http:", "https:"].includes(parsed.protocol)) {
    return fail("the scheme must be ws:, wss:, http: or https:");
  }
  if (parsed.hash || url.includes("#")) return fail("WebSocket URLs cannot have a fragment (#...)");
  return { url: parsed.href };
}

/** The error text for a list of subprotocols `WebSocket` would refuse, or undefined. */
export function checkProtocols(protocols) {
  for (const [index, protocol] of protocols.entries()) {
    const fail = (reason) => `invalid subprotocol ${JSON.stringify(protocol)}: ${reason}`;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(protocol)) {
      return fail("a subprotocol must be a non-empty token of visible ASCII without separators");
    }
    if (protocols.indexOf(protocol) < index) return fail("the same subprotocol is offered twice");
  }
  return undefined;
}

/** A URL argument (string or URL) as a string, or undefined. */
export function urlString(value) {
  if (typeof value === "string") return value;
  return typeof URL !== "undefined" && value instanceof URL ? value.href : undefined;
}

/** A protocols argument as a list, or an error text. */
export function protocolList(value) {
  if (value === undefined || value === null) return { list: [] };
  if (typeof value === "string") return { list: [value] };
  if (!Array.isArray(value)) {
    return { error: `protocols must be a string, an array of strings or a function returning one, got ${typeName(value)}` };
  }
  for (const item of value) {
    if (typeof item !== "string") return { error: `every protocol must be a string, got ${typeName(item)}` };
  }
  return { list: value };
}

/** `close(code?, reason?)` arguments, checked as `WebSocket.close` checks them. */
export function closeArguments(code = 1000, reason = "") {
  if (!Number.isInteger(code) || code < 0 || code > 65535) {
    throw domError("the close code must be 1000 or an integer from 3000 to 4999", "InvalidAccessError");
  }
  if (typeof reason !== "string") throw typeError("the close reason must be a string");
  if (code !== 1000 && !(code >= 3000 && code <= 4999)) {
    throw domError(`close code ${code} cannot be sent by a client; use 1000 or a code from 3000 to 4999`, "InvalidAccessError");
  }
  const bytes = utf8.encode(reason).length;
  if (bytes > MAX_REASON_BYTES) {
    throw domError(`close reason is ${bytes} bytes of UTF-8; the protocol allows at most ${MAX_REASON_BYTES}`, "SyntaxError");
  }
  return [code, reason];
}

/**
 * What tells one connection from another (`shared: true`, the framework bindings' registry):
 * the URL, protocols and options as text, functions by their source, so two closures with the
 * same source count as the same whatever they hold.
 */
export function connectionText(url, protocols, options) {
  const asText = (_, value) => (typeof value === "function" ? `${value}` : value);
  return JSON.stringify([String(url), protocols, options], asText);
}

/**
 * Reads `(url, protocols, options)`. The URL and protocols are kept as given (functions are
 * asked before every attempt); fixed ones are checked now.
 */
export function readArguments(url, protocols, options) {
  if (!(options === undefined || options === null || (typeof options === "object"))) {
    throw typeError(`options must be an object, got ${typeName(options)}`);
  }
  // Every name read, so that a misspelt one (`heartBeat`) is an error, not an option ignored.
  const known = new Set(IGNORED_OPTIONS);
  const field = (name) => {
    known.add(name);
    return options?.[name];
  };
  if (typeof url !== "function") {
    const text = urlString(url);
    if (text === undefined) {
      throw typeError(`the URL must be a string, a URL or a function returning one, got ${typeName(url)}`);
    }
    const checked = checkUrl(text);
    if (checked.error) throw new SyntaxError(`resocket: ${checked.error}`);
    url = checked.url;
  }
  if (typeof protocols !== "function") {
    const { list, error } = protocolList(protocols);
    if (error) throw typeError(error);
    const refused = checkProtocols(list);
    if (refused) throw new SyntaxError(`resocket: ${refused}`);
    protocols = list;
  }
  const format = readFormat(field("format"));
  const heartbeatOptions = heartbeat(field("heartbeat"), format);
  const window = sessionWindow(field("session"));
  const persist = sessionPersist(field("session"));
  const setup = func(field("setup"), "setup");
  // The policy's numbers, by the engine's field names; a NaN interval turns the heartbeat off,
  // a NaN window session mode, a NaN setup timeout the setup step.
  const policy = {
    "heartbeat.intervalMs": heartbeatOptions?.intervalMs ?? NaN,
    "heartbeat.timeoutMs": heartbeatOptions?.timeoutMs ?? NaN,
    "session.window": window,
    setupTimeoutMs: setup ? undefined : NaN,
    // NaN: never closes when idle.
    idleCloseMs: number(field("idleCloseMs"), "idleCloseMs") ?? NaN,
  };
  if (!setup && field("setupTimeoutMs") !== undefined) throw typeError("option `setupTimeoutMs` needs a `setup` step");
  for (const name of POLICY_FIELDS) policy[name] ??= number(field(name), name) ?? DEFAULTS[name];
  const settings = {
    url,
    protocols,
    format,
    session: !Number.isNaN(window),
    persist,
    setup,
    heartbeat: heartbeatOptions,
    policy,
    queueCapacity: policy.maxEnqueuedMessages,
    maxMessageBytes: policy.maxMessageBytes,
    finalCodes: closeCodes(field("finalCloseCodes")),
    dropOldest: oneOf(field("overflow"), "overflow", ["error", "drop-oldest"]) === "drop-oldest",
    shouldReconnect: func(field("shouldReconnectOnClose"), "shouldReconnectOnClose"),
    debug: boolean(field("debug"), "debug") ?? false,
    startClosed: boolean(field("startClosed"), "startClosed") ?? false,
    requestIdField: idField(field("requestIdField")),
    requestTimeoutMs: millis(field("requestTimeoutMs"), "requestTimeoutMs", 10000),
    resendRequests: boolean(field("resendRequests"), "resendRequests") ?? false,
    shared: shared(field("shared")),
    lazy: boolean(field("lazy"), "lazy") ?? false,
    WebSocket: webSocketClass(field("WebSocket")),
  };
  for (const name of Object.keys(options ?? {})) {
    if (!known.has(name)) throw typeError(`unknown option \`${name}\``);
  }
  const refused = refusedField(policy, settings.finalCodes);
  if (refused >= 0) throw policyError(refused, policy, settings.finalCodes);
  return settings;
}

/**
 * The index of the first field of `policy` (by `POLICY_FIELDS`, then `FINAL_CODES_FIELD`) that
 * the engine would refuse, or -1: checked here, by the engine's rules (contract.js), so the
 * constructor throws before the engine has loaded.
 */
export function refusedField(policy, finalCodes) {
  // A NaN interval turns the heartbeat off: its fields are then not read; nor is a NaN window
  // or idle close.
  const heartbeatOff = Number.isNaN(policy[POLICY_FIELDS[HEARTBEAT_FIELD]]);
  const index = POLICY_RULES.findIndex((rule, field) => {
    const value = policy[POLICY_FIELDS[field]];
    const off = OFF_WHEN_NAN.includes(field)
      ? Number.isNaN(value)
      : heartbeatOff && (field === HEARTBEAT_FIELD || field === HEARTBEAT_TIMEOUT_FIELD);
    return !off && !fits(rule, value, policy);
  });
  if (index >= 0) return index;
  return finalCodes.every((code) => fits(FINAL_CODES_RULE, code, policy)) ? -1 : FINAL_CODES_FIELD;
}

const HEARTBEAT_FIELD = POLICY_FIELDS.indexOf("heartbeat.intervalMs");
const HEARTBEAT_TIMEOUT_FIELD = POLICY_FIELDS.indexOf("heartbeat.timeoutMs");
/** The fields a NaN turns off: session mode's window, the setup step, the idle close. */
const OFF_WHEN_NAN = ["session.window", "setupTimeoutMs", "idleCloseMs"].map((name) => POLICY_FIELDS.indexOf(name));

/** Rounded half away from zero, as the engine rounds milliseconds. */
const roundMs = (ms) => Math.sign(ms) * Math.round(Math.abs(ms));

/** Whether `value` keeps `rule` (see POLICY_RULES), the other fields being `policy`'s. */
function fits([kind, least, most, upTo], value, policy) {
  if (kind === 2 && value === Infinity) return true;
  if (!Number.isFinite(value)) return false;
  const rounded = kind === 0 ? roundMs(value) : value;
  if (kind !== 3 && !Number.isInteger(rounded)) return false;
  // Bounded by another field, unless that one is refused itself: the refusal is then its own.
  const bound = upTo < 0 ? undefined : policy[POLICY_FIELDS[upTo]];
  const top = bound !== undefined && fits(POLICY_RULES[upTo], bound, policy) ? roundMs(bound) : most;
  return rounded >= least && rounded <= top;
}

/** The TypeError for refused field `field`, naming the option and what it takes. */
export function policyError(field, policy, finalCodes) {
  const [name, expected, value] = field === FINAL_CODES_FIELD
    ? ["finalCloseCodes", FINAL_CODES_EXPECTED, `[${finalCodes}]`]
    : [POLICY_FIELDS[field], POLICY_EXPECTED[field], policy[POLICY_FIELDS[field]]];
  return typeError(`option \`${name}\` must be ${expected}, got ${value}`);
}

/**
 * The `WebSocket` option: a class to make sockets with in place of the runtime's (the ws
 * package's on Node.js 20, which has none; a test double). Without it the runtime's global
 * `WebSocket` is looked up at every connection, as reconnecting-websocket does; where there is
 * none, the socket cannot be made, and the constructor says so rather than the first connection.
 */
function webSocketClass(value) {
  if (value !== undefined && value !== null) {
    if (typeof value !== "function") throw typeError(`option \`WebSocket\` must be a WebSocket class, got ${typeName(value)}`);
    return value;
  }
  if (typeof globalThis.WebSocket !== "function") {
    throw typeError(
      "this runtime has no WebSocket (Node.js has one from version 22): pass a WebSocket class as " +
        'the `WebSocket` option, such as the ws package\'s (`import { WebSocket } from "ws"`)',
    );
  }
  return undefined;
}

function number(value, name) {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw typeError(`option \`${name}\` must be a number, got ${describe(value)}`);
  }
  return value;
}

/** A delay of the JavaScript face's own (not the engine's policy), from 1 ms. */
function millis(value, name, fallback) {
  const ms = number(value, name);
  if (ms === undefined) return fallback;
  if (!(ms >= 1 && ms <= MAX_TIMER_MS)) {
    throw typeError(`option \`${name}\` must be from 1 to ${MAX_TIMER_MS} milliseconds, got ${ms}`);
  }
  return Math.round(ms);
}

function boolean(value, name) {
  if (value === undefined || typeof value === "boolean") return value;
  throw typeError(`option \`${name}\` must be true or false, got ${typeName(value)}`);
}

function func(value, name) {
  if (value === undefined || typeof value === "function") return value;
  throw typeError(`option \`${name}\` must be a function, got ${typeName(value)}`);
}

/** `shared: true | { worker }`: false, or the shared connection's settings (`worker`, a function making the SharedWorker). */
function shared(value) {
  if (value === undefined || value === false) return false;
  if (value === true) return {};
  if (typeof value === "object" && value !== null) {
    return { worker: func(value.worker, "shared.worker") };
  }
  throw typeError(`option \`shared\` must be true, false or { worker }, got ${describe(value)}`);
}

function idField(value) {
  if (value === undefined) return "id";
  if (typeof value === "string" && value) return value;
  throw typeError(`option \`requestIdField\` must be a non-empty string, got ${describe(value)}`);
}

/** One of `choices` (the first is the default). */
function oneOf(value, name, choices) {
  if (value === undefined) return choices[0];
  if (typeof value !== "string") throw typeError(`option \`${name}\` must be a string, got ${typeName(value)}`);
  if (!choices.includes(value)) {
    throw typeError(`option \`${name}\` must be ${choices.map((c) => `"${c}"`).join(" or ")}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** An array of numbers; the engine checks that each is a close code it can keep. */
function closeCodes(value) {
  if (value === undefined) return DEFAULTS.finalCloseCodes;
  if (!(Array.isArray(value) && value.every((code) => typeof code === "number"))) {
    throw typeError(`option \`finalCloseCodes\` must be an array of close codes, got ${describe(value)}`);
  }
  return value;
}

/** `session: true | { window? }`: the window in bytes, or NaN for no session (the engine checks its range). */
function sessionWindow(value) {
  if (value === undefined || value === false) return NaN;
  if (value === true) return DEFAULTS["session.window"];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw typeError(`option \`session\` must be true, false or an object { window?, persist? }, got ${typeName(value)}`);
  }
  return number(value.window, "session.window") ?? DEFAULTS["session.window"];
}

/** `session: { persist }`: the name the session is kept under across reloads, or undefined. */
function sessionPersist(value) {
  const persist = value?.persist;
  if (persist === undefined || typeof persist === "string") return persist;
  throw typeError(`option \`session.persist\` must be a string, got ${typeName(persist)}`);
}

/**
 * `heartbeat: { intervalMs, timeoutMs, ping?, pong? }`: the timing, the ping (a ping given is
 * a message, encoded in the socket's `format` as `send` encodes it), the pong test.
 */
function heartbeat(value, format) {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) {
    throw typeError(`option \`heartbeat\` must be an object { intervalMs, timeoutMs, ping?, pong? }, got ${typeName(value)}`);
  }
  const required = (name) => {
    if (value[name] === undefined) throw typeError(`option \`heartbeat.${name}\` is required`);
    return number(value[name], `heartbeat.${name}`);
  };
  const intervalMs = required("intervalMs");
  const timeoutMs = required("timeoutMs");
  let ping = value.ping ?? "ping";
  if (format && value.ping !== undefined) {
    ping = format.encode(ping, "option `heartbeat.ping`");
  } else if (!isRawData(ping)) {
    throw typeError(`option \`heartbeat.ping\` must be a string, ArrayBuffer, typed array or Blob, got ${typeName(ping)}`);
  }
  const pong = value.pong ?? "pong";
  let isPong;
  if (typeof pong === "string") {
    isPong = (data) => data === pong;
  } else if (typeof pong === "function") {
    isPong = (data) => {
      try {
        return Boolean(pong(data));
      } catch {
        return false;
      }
    };
  } else {
    throw typeError(`option \`heartbeat.pong\` must be a string or a function, got ${typeName(pong)}`);
  }
  return { intervalMs, timeoutMs, ping, isPong };
}

/** `url` with credentials, query and fragment hidden, for debug lines. */
export function redact(url) {
  const cut = url.search(/[?#]/);
  let visible = cut < 0 ? url : url.slice(0, cut);
  let redacted = "";
  const schemeEnd = visible.indexOf("://");
  if (schemeEnd >= 0) {
    const rest = visible.slice(schemeEnd + 3);
    const slash = rest.indexOf("/");
    const at = (slash < 0 ? rest : rest.slice(0, slash)).lastIndexOf("@");
    if (at >= 0) {
      redacted = `${visible.slice(0, schemeEnd + 3)}[redacted]@`;
      visible = rest.slice(at + 1);
    }
  }
  return redacted + visible + (cut < 0 ? "" : "?[redacted]");
}
