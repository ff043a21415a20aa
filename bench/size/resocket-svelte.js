// What a user of resocket/svelte ships through a bundler on top of bench/size/resocket.js: the
// binding and the registry the bindings share (svelte itself is the application's).
import './resocket.js';
import { socketStore } from 'resocket/svelte';

globalThis.socketStore = socketStore;
