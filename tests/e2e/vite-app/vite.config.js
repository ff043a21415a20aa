// What a Vite 8 user of resocket configures: nothing for the wasm (Vite 8 loads WebAssembly
// ES modules itself, and the package imports its engine dynamically, on first use). The rest
// is this test's: relative URLs and the output directory.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../../../target/e2e/vite-app', import.meta.url)),
    emptyOutDir: true,
  },
});
