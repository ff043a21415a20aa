// What an esbuild user of resocket writes, as the guide says (the `build()` form of its
// `esbuild src/main.js --bundle --format=esm --outdir=dist && cp ...`): bundle the app, which
// imports the web build ("resocket/web"), as an ES module (the web build finds its wasm
// through `import.meta.url`, which esbuild keeps only in the "esm" format), and copy the
// package's wasm next to the bundle. The output directory is this test's, under target/ so a
// build leaves tracked files alone, and so is the silence: the test reads esbuild's errors and
// warnings from the result.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = fileURLToPath(new URL('.', import.meta.url));
export const outdir = fileURLToPath(new URL('../../../target/e2e/esbuild-app', import.meta.url));

/** Bundles src/main.js into `outdir`/main.js and copies the wasm beside it; esbuild's result. */
export async function buildApp() {
  const result = await build({
    absWorkingDir: appDir,
    entryPoints: ['src/main.js'],
    bundle: true,
    format: 'esm',
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  await copyFile(path.join(appDir, 'node_modules/resocket/web/resocket_core_bg.wasm'), path.join(outdir, 'resocket_core_bg.wasm'));
  return result;
}
