// What a resocket user ships through a bundler: the package's wrapper and glue (the wasm
// file is external here and counted on its own). The wasm imports the glue's `__wbg_*`
// functions, which a bundler keeps for it; esbuild cannot see that import with the wasm
// external, so the entry keeps them by importing the glue module whole.
import { ReSocket } from 'resocket';
import * as glue from 'resocket/resocket_core_bg.js';

globalThis.socket = new ReSocket('ws://localhost/');
globalThis.glue = glue;
