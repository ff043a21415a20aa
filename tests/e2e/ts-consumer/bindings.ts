// A typed consumer of the framework bindings: must compile with `tsc --strict --noEmit`. The
// hooks are called outside components: only their types are under test here.
import { ReSocketError, type ReSocketState } from "resocket";
import { useSocket as useReactSocket, type SocketOptions, type SocketView } from "resocket/react";
import { socketStore } from "resocket/svelte";
import { useSocket as useVueSocket } from "resocket/vue";
import { useSocket as useWebReactSocket } from "resocket/web/react";

type Out = { type: "say"; text: string };
type In = { type: "said"; from: string; text: string };

const options: SocketOptions<In> = {
  format: "json",
  protocols: ["chat.v1"],
  heartbeat: { intervalMs: 15000, timeoutMs: 5000 },
  onMessage: (message) => console.log(message.from, message.text),
};

const chat = useReactSocket<Out, In>("wss://chat.example/socket", options);
const state: ReSocketState = chat.state;
const said: string | undefined = chat.lastMessage?.text;
const failed: string | undefined = chat.error instanceof ReSocketError ? chat.error.code : undefined;
const figures: [number, number, number | undefined] = [chat.retryCount, chat.queuedCount, chat.rttMs];
const sent: boolean = chat.send({ type: "say", text: "hi" }, { ttlMs: 5000 });
const answer: Promise<number> = chat.request<number>({ type: "say", text: "add" }, { timeoutMs: 2000 });
chat.socket?.addEventListener("reconnecting", (event) => console.log(event.attempt, event.delayMs));
const raw = useWebReactSocket(() => "wss://raw.example");
if (typeof raw.lastMessage === "string") console.log(raw.lastMessage.length);

const vue = useVueSocket<Out, In>("wss://chat.example/socket", { format: "json" });
const vueState: ReSocketState = vue.state.value;
const vueSaid: string | undefined = vue.lastMessage.value?.text;
vue.send({ type: "say", text: "hi" });
vue.socket.value?.reconnect();
vue.release();

const store = socketStore<Out, In>("wss://chat.example/socket", { format: "json" });
const stop = store.subscribe((view: SocketView<Out, In>) => console.log(view.state, view.lastMessage?.from));
store.send({ type: "say", text: "hi" });
stop();

export { state, said, failed, figures, sent, answer, vueState, vueSaid };
