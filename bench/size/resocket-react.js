// What a user of resocket/react ships through a bundler on top of bench/size/resocket.js: the
// binding and the registry the bindings share (react itself is the application's).
import './resocket.js';
import { useSocket } from 'resocket/react';

globalThis.useSocket = useSocket;
