// The same hello server as native async Node: node:http with a callback.
//
//   node bench/net/http-native-server.js
import http from 'node:http';

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('hello world');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
