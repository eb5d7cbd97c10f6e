// async: native Node event-loop code, the reference. One process, one
// thread; the legacy workload is rewritten with execFile and fs/promises
// (handleAsync), as a Node user who owns the code would write it.
import http from 'node:http';
import { handleAsync } from '../work.js';
import { fail, listen, ready, send } from './common.js';

const server = http.createServer((req, res) => {
  req.resume();
  const out = handleAsync();
  if (typeof out === 'string') send(res, out);
  else out.then((body) => send(res, body), (err) => fail(res, err));
});
ready(await listen(server));
