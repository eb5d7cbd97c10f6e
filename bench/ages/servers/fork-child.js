// fork: the child that serves one connection (see fork.js), blocking freely:
// it is the only connection this process has.
import { handle } from '../work.js';
import { blockingServer } from './common.js';

const server = blockingServer(handle);

process.on('message', (msg, socket) => {
  if (msg !== 'socket' || !socket) return;
  socket.on('close', () => process.exit(0));
  server.emit('connection', socket);
  socket.resume();
});
process.on('disconnect', () => process.exit(0));
