// What a partysocket user ships for a reconnecting WebSocket.
import ReconnectingWebSocket from 'partysocket/ws';
globalThis.socket = new ReconnectingWebSocket('ws://localhost/');
