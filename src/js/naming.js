// How the package's TypeErrors name what they refuse: one wording for options, arguments and
// formats alike.

/** A TypeError with the package's prefix. */
export function typeError(message) {
  return new TypeError(`resocket: ${message}`);
}

/** `typeof value`, with null and arrays named. */
export function typeName(value) {
  if (value === null) return "null";
  return Array.isArray(value) ? "an array" : typeof value;
}

/** `value` as an error names it: numbers and strings as written, anything else by its type. */
export function describe(value) {
  if (typeof value === "number") return String(value);
  return typeof value === "string" ? JSON.stringify(value) : typeName(value);
}
