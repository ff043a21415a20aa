// A page per framework binding, each with its framework's Vite plugin and nothing else for
// resocket. Built in development mode: React's development build is the one whose StrictMode
// mounts every component twice, as an app under `vite dev` does. The rest is this test's:
// relative URLs and the output directory.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (name) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

export default defineConfig({
  base: './',
  mode: 'development',
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  plugins: [react(), vue(), svelte()],
  build: {
    outDir: fileURLToPath(new URL('../../../target/e2e/bindings-app', import.meta.url)),
    emptyOutDir: true,
    minify: false,
    rolldownOptions: { input: { react: page('react'), vue: page('vue'), svelte: page('svelte') } },
  },
});
