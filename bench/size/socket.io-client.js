// What a socket.io-client user ships.
import { io } from 'socket.io-client';
globalThis.socket = io('ws://localhost/');
