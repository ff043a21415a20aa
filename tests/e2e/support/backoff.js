// The reconnect delay the library promises (core/src/backoff.rs), to check measured delays
// against, and small helpers for the figures the fault-matrix files report.

/** Both faces, as `h.open` names them and as RELIABILITY.md shows them. */
export const FACES = [['js', 'JS'], ['rust', 'Rust']];

/**
 * The range of the delay before retry `attempt` (from 1) under the JS face's options:
 * `min(max, min * grow^(attempt-1))` times a factor in `[1 - jitter, 1]`, rounded to whole
 * milliseconds as the core rounds it.
 */
export function delayBounds(options, attempt) {
  const { minReconnectionDelay: min, maxReconnectionDelay: max, reconnectionDelayGrowFactor: grow = 2, jitter = 0.5 } = options;
  const base = Math.min(max, min * grow ** (attempt - 1));
  return [Math.round(base * (1 - jitter)), Math.round(base)];
}

/** The range after a 1013 close: the maximum delay, jittered. */
export function maxDelayBounds(options) {
  const { maxReconnectionDelay: max, jitter = 0.5 } = options;
  return [Math.round(max * (1 - jitter)), max];
}

/** The `reconnecting` entries of a recorded log whose delay lies outside its bounds. */
export function delaysOutOfBounds(options, entries) {
  return entries
    .filter((entry) => entry.type === 'reconnecting')
    .filter((entry) => {
      const [low, high] = delayBounds(options, entry.attempt);
      return entry.delayMs < low || entry.delayMs > high;
    })
    .map((entry) => `${entry.line} (bounds ${delayBounds(options, entry.attempt).join('-')})`);
}

/** `min/median/max` of some numbers, for a figure. */
export function spread(values, unit = '') {
  if (values.length === 0) return 'none';
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const round = (value) => Math.round(value * 10) / 10;
  return `${round(sorted[0])}/${round(median)}/${round(sorted.at(-1))}${unit} (min/median/max)`;
}
