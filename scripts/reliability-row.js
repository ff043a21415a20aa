// Appends one row for RELIABILITY.md to a target/reliability/*.jsonl file, with the fields
// tests/e2e/support/report.js writes, for the shell scripts (browser-tests.sh, fuzz.sh) that
// record what their runners reported. A figure whose value is a plain number is written as one.
//   node scripts/reliability-row.js FILE SECTION ROW FACE CHECKED SOURCE [NAME=VALUE ...]

import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { codeVersion } from '../tests/e2e/support/report.js';

const SECTIONS = ['faults', 'lost', 'leaks', 'hostile', 'security'];

const [file, section, row, face, checked, source, ...pairs] = process.argv.slice(2);
if (!source) {
  console.error('usage: node scripts/reliability-row.js FILE SECTION ROW FACE CHECKED SOURCE [NAME=VALUE ...]');
  process.exit(2);
}
if (!SECTIONS.includes(section)) {
  console.error(`unknown RELIABILITY.md section ${section}`);
  process.exit(2);
}
const figures = Object.fromEntries(pairs.map((pair) => {
  const at = pair.indexOf('=');
  if (at < 1) {
    console.error(`a figure is NAME=VALUE, got ${pair}`);
    process.exit(2);
  }
  const value = pair.slice(at + 1);
  return [pair.slice(0, at), /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value];
}));
const mode = process.env.RESOCKET_LONG === '1' ? 'long' : 'short';
mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
const commit = codeVersion();
appendFileSync(file, `${JSON.stringify({ section, row, face, checked, figures, mode, commit, source })}\n`);
