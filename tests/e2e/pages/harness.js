// In-page helpers for the e2e tests, which run their steps with `page.evaluate` and find the
// package and these helpers on `window`: `ReSocket` (and the module as `resocket`), and `h`.

import * as resocket from '/pkg/web/resocket.js';
import { makeHarness } from './helpers.js';

const params = new URLSearchParams(location.search);
const h = makeHarness(resocket, { ws: params.get('ws'), http: params.get('http') });

window.resocket = resocket;
window.ReSocket = resocket.ReSocket;
window.h = h;
document.getElementById('status').textContent = 'ready';
window.harnessReady = true;
