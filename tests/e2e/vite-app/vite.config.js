// The configuration a Vite 7 user of resocket needs: vite-plugin-wasm for the bundler build's
// `.wasm` import, and an esnext target for the top-level await it compiles to.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import wasm from 'vite-plugin-wasm';

export default defineConfig({
  base: './',
  plugins: [wasm()],
  build: {
    target: 'esnext',
    outDir: fileURLToPath(new URL('../../../target/e2e/vite-app', import.meta.url)),
    emptyOutDir: true,
  },
});
