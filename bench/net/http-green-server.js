// The blocking-style HTTP hello server: serveHttp with a handler in green
// threads. Prints its port on stdout, then serves until killed.
//
//   node bench/net/http-green-server.js [concurrency]
import { serveHttp, spawn } from '../../dist/index.js';

function hello() {
  return 'hello world';
}

const concurrency = Number(process.argv[2] ?? 64);
const port = await spawn((concurrency) => serveHttp({ port: 0, host: '127.0.0.1', concurrency }, hello).port, concurrency).result;
console.log(port);
process.on('SIGINT', () => process.exit(0));
