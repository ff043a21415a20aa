// A page per framework binding (index.html?framework=NAME), with the frameworks' Vite plugins
// and nothing else for resocket. React's development build, whose StrictMode mounts every
// component twice as an app under `vite dev` does. The rest is this test's: relative URLs and
// the output directory.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  plugins: [react(), vue(), svelte()],
  build: {
    outDir: fileURLToPath(new URL('../../../target/e2e/bindings-app', import.meta.url)),
    emptyOutDir: true,
  },
});
