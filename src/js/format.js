// The message format (the `format` option): "raw" frames as they are, "json" through the
// browser's JSON, or a codec of the application's, `{ encode, decode, binary? }` (MessagePack,
// protobuf, ...). Each is read once into the same shape, so the socket, its requests, its
// heartbeat and a shared connection encode and decode through one path.
import { describe, typeError, typeName } from "./naming.js";

/** What `WebSocket.send` takes. */
export function isRawData(data) {
  return (
    typeof data === "string" ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    (typeof Blob !== "undefined" && data instanceof Blob)
  );
}

const optionError = (text) => typeError(`option \`${text}`);

/** What an encoding error names, unless told otherwise. */
const SEND = "send(data): data";

/** The "json" format: values as the browser's JSON writes them; text frames parsed. */
const JSON_FORMAT = {
  name: "JSON",
  binary: false,
  encode(value, subject = SEND) {
    let frame;
    try {
      frame = JSON.stringify(value);
    } catch (error) {
      // A BigInt, a cycle, or a toJSON that throws.
      throw new TypeError(`resocket: ${subject} has no JSON form (${error?.message})`, { cause: error });
    }
    if (frame === undefined) throw new TypeError(`resocket: ${subject} has no JSON form (got ${typeof value})`);
    return frame;
  },
  // Binary frames are no JSON: they reach the listeners as they came.
  decodes: (data) => typeof data === "string",
  decode: (data) => JSON.parse(data),
  failure: (error) => `a message is not valid JSON (${error?.message ?? error})`,
};

/**
 * `format: "raw" | "json" | { encode, decode, binary? }`: null for "raw" (frames as they are),
 * else `{ name, binary, encode(value, subject?) -> frame, decodes(data), decode(data) -> value,
 * failure(error) -> text }`. `encode` throws a TypeError for a value the format has no frame
 * for, naming `subject` (the value sent, unless told); `decode` throws what the format's own
 * decode threw, and is asked only of frames `decodes` accepts.
 */
export function readFormat(value) {
  if (value === undefined || value === "raw") return null;
  if (value === "json") return JSON_FORMAT;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw optionError(`format\` must be "raw", "json" or a codec { encode, decode, binary? }, got ${describe(value)}`);
  }
  const { encode, decode, binary = false } = value;
  for (const [name, method] of [["encode", encode], ["decode", decode]]) {
    if (typeof method !== "function") throw optionError(`format.${name}\` must be a function, got ${typeName(method)}`);
  }
  if (typeof binary !== "boolean") throw optionError(`format.binary\` must be a boolean, got ${typeName(binary)}`);
  return {
    name: "format",
    binary,
    encode(data, subject = SEND) {
      let frame;
      try {
        // Called as a method, so a codec that is a class instance keeps its `this`.
        frame = value.encode(data);
      } catch (error) {
        throw new TypeError(`resocket: ${subject} could not be encoded: format.encode threw (${error?.message ?? error})`, { cause: error });
      }
      if (!isRawData(frame)) {
        throw new TypeError(
          `resocket: ${subject} could not be encoded: format.encode must return a string, ArrayBuffer, typed array or Blob, got ${typeName(frame)}`,
        );
      }
      return frame;
    },
    decodes: () => true,
    decode: (data) => value.decode(data),
    failure: (error) => `format.decode threw on a message (${error?.message ?? error})`,
  };
}

/**
 * `data` as the frame to send, in `format` (null: "raw"); throws a TypeError if it has none.
 */
export function frameOf(format, data) {
  if (format) return format.encode(data);
  if (!isRawData(data)) {
    throw new TypeError(
      `resocket: send(data): data must be a string, ArrayBuffer, typed array or Blob, got ${data === null ? "null" : typeof data}; ` +
        'use format: "json" (or a codec) for other values',
    );
  }
  return data;
}

/**
 * A frame this socket sent, as the user sent it (for `resumed` and `removed`): the format's
 * own frames decode; one that does not (a heartbeat ping the format did not write) stays as
 * it is.
 */
export function valueOf(format, frame) {
  if (!format?.decodes(frame)) return frame;
  try {
    return format.decode(frame);
  } catch {
    return frame;
  }
}
