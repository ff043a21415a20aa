// Server-side rendering with the framework bindings (tests/e2e/runtimes.test.js), on Node.js 22,
// whose global WebSocket would connect: React's `renderToString` and Vue's, of a component
// using `useSocket`, and a Svelte store read as `$store` is on a server, make no socket. Against
// the test server at the ws: and http: bases in argv[2] and argv[3]: prints what each rendered
// and how many connections the server saw of each client tag.
import { createElement } from "react";
import { renderToString as renderReact } from "react-dom/server";
import { useSocket as useReactSocket } from "resocket/react";
import { socketStore } from "resocket/svelte";
import { useSocket as useVueSocket } from "resocket/vue";
import { createSSRApp, h } from "vue";
import { renderToString as renderVue } from "vue/server-renderer";

const [ws, http] = process.argv.slice(2);
const tag = (name) => `ssr-${name}-${Date.now().toString(36)}`;
const clients = { react: tag("react"), vue: tag("vue"), svelte: tag("svelte") };
const url = (name) => `${ws}/echo?client=${clients[name]}`;

function ReactChat() {
  const { state, socket } = useReactSocket(url("react"));
  return createElement("p", null, `${state} ${socket === null}`);
}
const react = renderReact(createElement(ReactChat));

const vue = await renderVue(createSSRApp({
  setup() {
    const { state, socket } = useVueSocket(url("vue"));
    return () => h("p", `${state.value} ${socket.value === null}`);
  },
}));

const store = socketStore(url("svelte"));
let seen;
store.subscribe((view) => { seen = view; })();
const svelte = `${seen.state} ${store.socket === null}`;

// A socket made would have connected by now.
await new Promise((resolve) => setTimeout(resolve, 500));
const { clients: stats } = await (await fetch(`${http}/stats`)).json();
const connections = Object.fromEntries(Object.entries(clients).map(([name, client]) => [name, stats[client]?.total ?? 0]));
console.log(JSON.stringify({ rendered: { react, vue, svelte }, connections }));
