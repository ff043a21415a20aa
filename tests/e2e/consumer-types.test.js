// The package's TypeScript types, as a consumer compiles against them (no browser needed):
// - ts-consumer/consumer.ts uses ReSocket<Out, In> with format "json", typed listeners and
//   on* handlers, for await, the error classes, providers and the "resocket/web" entry, and
//   compiles with `tsc --strict --noEmit`, and so does ts-consumer/bindings.ts, which uses the
//   framework bindings (resocket/react, resocket/vue, resocket/svelte, resocket/web/react)
//   with typed messages and options
// - ts-consumer/type-error.ts fails to compile, with errors on exactly the lines marked
//   `// error` (so the types are not `any`) and none about resolving the package

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { linkPackage } from './support/consumer.js';
import { e2eDir, repoRoot } from './support/paths.js';
import { requirePackage } from './support/suite.js';

const consumerDir = path.join(e2eDir, 'ts-consumer');
const TSC = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

before(async () => {
  requirePackage();
  await linkPackage(consumerDir);
});

function tsc(project) {
  const result = spawnSync(process.execPath, [TSC, '-p', project, '--strict', '--noEmit', '--pretty', 'false'], {
    cwd: consumerDir,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  const diagnostics = [...result.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)]
    .map(([, file, line, code, message]) => ({ file: path.basename(file), line: Number(line), code, message }));
  return { status: result.status, output: result.stdout + result.stderr, diagnostics };
}

test('consumer.ts and bindings.ts compile with tsc --strict --noEmit against the package types', { timeout: 60_000 }, () => {
  const result = tsc('tsconfig.json');
  assert.equal(result.status, 0, `tsc failed:\n${result.output}`);
  assert.deepEqual(result.diagnostics, []);
});

test('type-error.ts fails to compile on exactly its marked lines', { timeout: 60_000 }, () => {
  const result = tsc('tsconfig.type-error.json');
  assert.notEqual(result.status, 0, 'tsc accepted code with deliberate type errors: the types are too loose');
  const resolution = result.diagnostics.filter((d) => ['TS2307', 'TS2792', 'TS7016'].includes(d.code));
  assert.deepEqual(resolution, [], 'the package and its types resolve');
  const marked = readFileSync(path.join(consumerDir, 'type-error.ts'), 'utf8')
    .split('\n')
    .flatMap((line, index) => (/\/\/ error$/.test(line) ? [index + 1] : []));
  const failed = [...new Set(result.diagnostics.filter((d) => d.file === 'type-error.ts').map((d) => d.line))];
  assert.deepEqual(failed, marked, `errors reported:\n${result.output}`);
  assert.deepEqual(result.diagnostics.filter((d) => d.file !== 'type-error.ts'), [], 'no errors in other files');
});
