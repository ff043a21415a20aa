// What a resocket user ships through a bundler: the package's JavaScript (the wasm file is
// external here and counted on its own).
import { ReSocket } from 'resocket';

globalThis.socket = new ReSocket('ws://localhost/');
