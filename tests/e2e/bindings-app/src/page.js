// What every framework's page of the app shares. Opened as
// index.html?framework=NAME&ws=ws://127.0.0.1:PORT&client=NAME, a page loads the engine, then sets `window.app` for the test: `mount(count)` mounts `count`
// chat components on the echo endpoint (one socket between them, if the binding shares it),
// `unmount()` unmounts them all, `states[i]` is every state chat `i` showed, in order, and
// `mounts` counts the chats' mount effects where the page counts them (React's, which StrictMode runs twice).
// A chat shows its socket's state, its last message as JSON, how many messages its
// `onMessage` heard, and a button that sends `{ from: i }`.
import { ready } from 'resocket';

const params = new URLSearchParams(location.search);
const echo = new URL('/echo', params.get('ws'));
echo.searchParams.set('client', params.get('client'));
export const url = echo.href;
/** Every chat's options: the same, so the chats share a socket. */
export const options = { format: 'json', minReconnectionDelay: 50, jitter: 0 };
export const target = document.getElementById('chats');

/** `lastMessage` as a chat shows it. */
export const shown = (message) => (message === undefined ? '' : JSON.stringify(message));

const states = [];
// Recorded from the page itself, so a state shown for one frame is not missed between polls.
new MutationObserver(() => {
  for (const output of document.querySelectorAll('.chat .state')) {
    const seen = (states[output.closest('.chat').dataset.index] ??= []);
    if (seen.at(-1) !== output.textContent) seen.push(output.textContent);
  }
}).observe(target, { childList: true, characterData: true, subtree: true });

/** Sets `window.app` once the engine has loaded: mounting then reaches the network at once. */
export function expose({ mount, unmount }) {
  ready().then(() => {
    window.app = { mount, unmount, states, mounts: 0 };
  });
}
