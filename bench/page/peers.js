// The npm peers, bundled by esbuild into /build/peers.js for the page (bench/build.sh).
export { default as PartySocket } from 'partysocket/ws';
export { default as ReconnectingWebSocket } from 'reconnecting-websocket';
