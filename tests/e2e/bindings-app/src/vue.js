import { createApp, h } from 'vue';
import Chat from './Chat.vue';
import { expose, target } from './page.js';

let app;
expose({
  mount(count) {
    app = createApp({ render: () => Array.from({ length: count }, (_, index) => h(Chat, { key: index, index })) });
    app.mount(target);
  },
  unmount: () => app.unmount(),
});
