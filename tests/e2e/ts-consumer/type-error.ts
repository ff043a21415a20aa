// Deliberate type errors: `tsc --strict --noEmit` must reject every line marked `// error`
// and no other, which proves the package's types are not `any`.
import { ReSocket } from "resocket";
import { useSocket } from "resocket/react";
import { socketStore } from "resocket/svelte";
import { useSocket as useVueSocket } from "resocket/vue";

type Out = { type: "say"; text: string };
type In = { type: "said"; from: string; text: string };

const socket = new ReSocket<Out, In>("wss://chat.example/socket", null, { format: "json" });

socket.send({ type: "shout", text: "hi" }); // error
socket.send("a string is not an Out"); // error
socket.addEventListener("message", (event) => {
  const wrong: number = event.data.text; // error
  console.log(wrong);
});
socket.addEventListener("close", (event) => {
  const wrong: string = event.willReconnect; // error
  console.log(wrong);
});
socket.addEventListener("reconnecting", (event) => {
  const wrong: string = event.attempt; // error
  console.log(wrong);
});
const state: string = socket.readyState; // error
const format = new ReSocket("ws://x", null, { format: "xml" }); // error
const delay = new ReSocket("ws://x", null, { minReconnectionDelay: "50" }); // error
socket.onmessage = (event) => console.log(event.data.missing); // error
socket.request("a string is not a request"); // error
socket.request({ type: "say", text: "x" }, { timeoutMs: "50" }); // error
const sum: Promise<string> = socket.request<number>({ type: "say", text: "x" }); // error
socket.request({ type: "say", text: 1 }); // error

async function read() {
  for await (const message of socket) {
    const wrong: number = message.from; // error
    console.log(wrong);
  }
}

const chat = useSocket<Out, In>("wss://chat.example/socket", { format: "json", onMessage: (message) => message.missing }); // error
chat.send({ type: "shout", text: "hi" }); // error
const last: number | undefined = chat.lastMessage; // error
const unknownOption = useSocket("ws://x", { heartBeat: true }); // error
const vue = useVueSocket<Out, In>("ws://x");
vue.state.value = "open"; // error
socketStore<Out, In>("ws://x").subscribe((view) => view.lastMessage?.missing); // error

export { state, format, delay, read, sum, last, unknownOption };
