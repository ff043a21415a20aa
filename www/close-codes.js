// What a close code means, and which ones stop the socket from reconnecting (resocket's
// default `finalCloseCodes`).

const NAMES = new Map([
  [1000, "normal"],
  [1001, "going away"],
  [1002, "protocol error"],
  [1003, "unsupported data"],
  [1005, "no code"],
  [1006, "connection lost"],
  [1007, "invalid data"],
  [1008, "policy violation"],
  [1009, "message too big"],
  [1010, "extension missing"],
  [1011, "internal error"],
  [1012, "service restart"],
  [1013, "try again later"],
  [1014, "bad gateway"],
]);

export const FINAL_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010]);

/** `1008 policy violation`, or just the number for codes without a registered name. */
export function describeCloseCode(code) {
  const name = NAMES.get(code) ?? (code >= 4000 ? "application" : undefined);
  return name ? `${code} ${name}` : String(code);
}
