import type { ComputedRef } from "vue";
import type { RawData, ReSocket, ReSocketError, ReSocketState, UrlProvider } from "../resocket.js";
import type { SocketCalls, SocketOptions, SocketView } from "./view.js";

export type { SocketCalls, SocketOptions, SocketView };

/** `SocketView` as read-only refs, with the socket's calls. */
export interface SocketRefs<Out = RawData, In = RawData> extends SocketCalls<Out> {
  readonly state: ComputedRef<ReSocketState>;
  readonly lastMessage: ComputedRef<In | undefined>;
  readonly error: ComputedRef<ReSocketError | undefined>;
  readonly retryCount: ComputedRef<number>;
  readonly queuedCount: ComputedRef<number>;
  readonly rttMs: ComputedRef<number | undefined>;
  /** The shared socket itself, for its other events and calls, once held (null before a component mounts). */
  readonly socket: ComputedRef<ReSocket<Out, In> | null>;
  /** Lets go of the socket; called when the effect scope of the call (the component) is disposed. */
  release(): void;
}

/**
 * The socket of `url` and `options`, shared by every component that asks for the same: held
 * from the component's mount until it unmounts (so server rendering makes none), or, called
 * outside a component, from the call until its effect scope is disposed (outside a scope,
 * until `release()`); closed a task after its last holder let go.
 */
export declare function useSocket<Out = RawData, In = RawData>(
  url: UrlProvider,
  options?: SocketOptions<In>,
): SocketRefs<Out, In>;
