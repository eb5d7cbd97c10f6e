// fork: a child process per connection, the essay's forking server. The
// parent accepts (paused, so no byte is read here) and hands the socket to a
// new child with child.send('socket', socket); the child serves that
// connection's keep-alive requests with the blocking handler and exits when
// the connection closes. Node cannot fork(2) a running process: fork() here
// starts a fresh node, which is dearer than the essay's copy-on-write fork.
import { fork } from 'node:child_process';
import net from 'node:net';
import { listen, ready } from './common.js';

const CHILD = new URL('./fork-child.js', import.meta.url).pathname;

const server = net.createServer({ pauseOnConnect: true }, (socket) => {
  const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child.on('error', () => socket.destroy());
  child.send('socket', socket);
});
ready(await listen(server));
