// Clock times as the chat and the log show them, in the reader's time zone.

const two = (n) => String(n).padStart(2, "0");

/** 14:03 */
export function clockTime(date) {
  return `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** 14:03:07.042: the log needs the milliseconds to show how fast things follow each other. */
export function preciseTime(date) {
  const ms = String(date.getMilliseconds()).padStart(3, "0");
  return `${clockTime(date)}:${two(date.getSeconds())}.${ms}`;
}
