// greenthread: the blocking handler, unchanged, in green threads:
// monkeyPatch() makes execSync park only the green thread that calls it,
// and serveHttp runs each request's handler in a green thread while the hub
// (node:http on the main thread) holds every connection.
import { monkeyPatch, serveHttp, spawn } from '../../../dist/index.js';
import { handle } from '../work.js';
import { ready } from './common.js';

monkeyPatch();
const port = await spawn(() => serveHttp({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => handle()).port).result;
ready(port);
