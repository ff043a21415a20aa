// What a webpack 5 user of resocket configures: `experiments.asyncWebAssembly`, so that webpack
// loads the package's WebAssembly module (which the package imports dynamically, on first
// use) as an async chunk and an asset of its own. The rest is this test's: production mode,
// the app's directory and entry (the test runs from the repository's root), and the output
// directory, under target/ so a build leaves tracked files alone.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  context: fileURLToPath(new URL('.', import.meta.url)),
  entry: './src/main.js',
  output: {
    path: fileURLToPath(new URL('../../../target/e2e/webpack-app', import.meta.url)),
    clean: true,
  },
  experiments: { asyncWebAssembly: true },
};
