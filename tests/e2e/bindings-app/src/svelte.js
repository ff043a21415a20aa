import { mount, unmount } from 'svelte';
import Chat from './Chat.svelte';
import { expose, target } from './page.js';

let chats = [];
expose({
  mount(count) {
    chats = Array.from({ length: count }, (_, index) => mount(Chat, { target, props: { index } }));
  },
  unmount: () => chats.splice(0).forEach((chat) => unmount(chat)),
});
