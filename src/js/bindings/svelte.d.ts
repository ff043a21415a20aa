import type { RawData, ReSocket, UrlProvider } from "../resocket.js";
import type { SocketCalls, SocketOptions, SocketView } from "./view.js";

export type { SocketCalls, SocketOptions, SocketView };

/** A readable store (Svelte's store contract) of the socket's view, with the socket's calls. */
export interface SocketStore<Out = RawData, In = RawData> extends SocketCalls<Out> {
  subscribe(run: (view: SocketView<Out, In>) => void): () => void;
  /** The shared socket itself while the store has subscribers; null otherwise. */
  readonly socket: ReSocket<Out, In> | null;
}

/**
 * A store of the socket of `url` and `options`, shared by every store and component that asks
 * for the same: held from the store's first subscriber to its last, and closed a task after
 * its last holder let go. Where there is no `document` (server rendering), it holds none.
 */
export declare function socketStore<Out = RawData, In = RawData>(
  url: UrlProvider,
  options?: SocketOptions<In>,
): SocketStore<Out, In>;
