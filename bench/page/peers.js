// The npm peers, bundled by esbuild into /build/peers.js for the page (bench/build.sh).
export { default as PartySocket } from 'partysocket/ws';
export { default as ReconnectingWebSocket } from 'reconnecting-websocket';
// The MessagePack codec of the codecs' figures (run.js), as an application plugs it into resocket.
export { encode as msgpackEncode, decode as msgpackDecode } from '@msgpack/msgpack';
