// What a user of resocket/vue ships through a bundler on top of bench/size/resocket.js: the
// binding and the registry the bindings share (vue itself is the application's).
import './resocket.js';
import { useSocket } from 'resocket/vue';

globalThis.useSocket = useSocket;
