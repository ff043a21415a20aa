// The chaos loop the delivery and session chaos tests share: for `ms`, a random fault every
// 100-400 ms, drawn by a seeded xorshift so a run's sequence is the same every time.

/**
 * Runs `faults[i](...args)` at random for `ms` milliseconds (each awaited before the next
 * wait); returns how often each ran.
 */
export async function runFaults(faults, { ms, seed }, ...args) {
  const counts = new Array(faults.length).fill(0);
  const started = Date.now();
  let state = seed;
  const random = () => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  while (Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 100 + random() * 300));
    const fault = Math.floor(random() * faults.length);
    counts[fault] += 1;
    await faults[fault](...args);
  }
  return counts;
}
