// What a reconnecting-websocket user ships.
import ReconnectingWebSocket from 'reconnecting-websocket';
globalThis.socket = new ReconnectingWebSocket('ws://localhost/');
