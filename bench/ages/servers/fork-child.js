// fork: the child that serves one connection (see fork.js), blocking freely:
// it is the only connection this process has.
import http from 'node:http';
import { handle } from '../work.js';
import { fail, send } from './common.js';

const server = http.createServer((req, res) => {
  req.resume();
  try {
    send(res, handle());
  } catch (err) {
    fail(res, err);
  }
});

process.on('message', (msg, socket) => {
  if (msg !== 'socket' || !socket) return;
  socket.on('close', () => process.exit(0));
  server.emit('connection', socket);
  socket.resume();
});
process.on('disconnect', () => process.exit(0));
