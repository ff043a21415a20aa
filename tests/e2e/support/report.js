// Rows for RELIABILITY.md. A test that passed calls `report(...)` with what it checked and the
// figures it measured; each test file writes its rows to target/reliability/<file>.jsonl, and
// `scripts/reliability-report.js` turns every such file into RELIABILITY.md. A test that failed
// reports nothing, so its row is missing from the page rather than shown with made-up figures.

import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ON_NODE } from './node-host.js';
import { repoRoot } from './paths.js';

export const reliabilityDir = path.join(repoRoot, 'target', 'reliability');

/** The sections of RELIABILITY.md, in page order. */
export const SECTIONS = {
  faults: '1. Fault matrix',
  lost: '2. Nothing lost',
  leaks: '3. No leaks, no herds',
  hostile: '4. Hostile and bad input',
  security: '5. Security',
};

/** The code under test: the commit, marked when the work tree differs from it. */
export function codeVersion() {
  const git = (...args) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  try {
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!RELIABILITY.md');
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? '+changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Whether the long modes run (`make reliability-long`): more cycles, longer chaos. */
export const LONG = process.env.RESOCKET_LONG === '1';

/**
 * The reporter of one test file (pass `import.meta.url`); starts its file afresh.
 * @returns {(row: {section: keyof SECTIONS, row: string, face?: string, checked: string,
 *   figures: Record<string, string | number>}) => void}
 */
export function reporter(testFileUrl) {
  // RELIABILITY.md's rows are Chromium's: the Node.js host (node-host.js) records none.
  if (ON_NODE) return () => {};
  const name = path.basename(fileURLToPath(testFileUrl)).replace(/\.test\.js$/, '');
  const file = path.join(reliabilityDir, `e2e-${name}.jsonl`);
  mkdirSync(reliabilityDir, { recursive: true });
  rmSync(file, { force: true });
  const commit = codeVersion();
  return ({ section, row, face = 'JS', checked, figures }) => {
    if (!(section in SECTIONS)) throw new Error(`unknown RELIABILITY.md section ${section}`);
    const entry = { section, row, face, checked, figures, mode: LONG ? 'long' : 'short', commit, source: `tests/e2e/${name}.test.js` };
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
  };
}
