// piscina: the blocking handler submitted to a piscina pool, with piscina's
// defaults (threads: 1.5x the cores), the way its README has it; the main
// thread parses HTTP and awaits pool.run() for each request.
import http from 'node:http';
import Piscina from 'piscina';
import { fail, listen, ready, send } from './common.js';

const pool = new Piscina({ filename: new URL('./piscina-task.js', import.meta.url).href });

const server = http.createServer((req, res) => {
  req.resume();
  pool.run(null).then((body) => send(res, body), (err) => fail(res, err));
});
ready(await listen(server));
