import type { RawData, UrlProvider } from "../resocket.js";
import type { SocketCalls, SocketOptions, SocketView } from "./view.js";

export type { SocketCalls, SocketOptions, SocketView };

/**
 * The socket of `url` and `options`, shared by every component that asks for the same, opened
 * when the first of them mounts and closed a task after the last unmounts (so StrictMode's
 * second mount takes the first one's socket). The component renders again when the view
 * changes. `socket` is null in the first render of the first component that holds it.
 */
export declare function useSocket<Out = RawData, In = RawData>(
  url: UrlProvider,
  options?: SocketOptions<In>,
): SocketView<Out, In> & SocketCalls<Out>;
