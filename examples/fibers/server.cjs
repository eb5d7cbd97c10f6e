'use strict';
// A small node-fibers program: Future.wrap over fs, and an HTTP server whose
// handler runs each request in a fiber, in blocking style. Written for
// node-fibers (Node <= 14), it runs on current Node with greenthread with one
// change: the two require paths (they were 'fibers' and 'fibers/future').
//
//   node examples/fibers/server.cjs
const Fiber = require('greenthread/fibers');
const Future = require('greenthread/future');
const fs = require('fs');
const http = require('http');
const path = require('path');

// Answers request `id`. It must run where the server is: with node-fibers,
// the only thread there is; with greenthread, the hub (a wrapped call made in
// a fiber runs in the hub), which is why it finds the response in `global`.
function respond(id, status, body, done) {
  const res = global.pendingResponses.get(id);
  global.pendingResponses.delete(id);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  done(null);
}

// The handler, in a fiber: every wait below suspends this fiber only.
function handle(request) {
  const file = path.join(__dirname, 'data', (request.url.slice(1) || 'index') + '.json');
  try {
    const text = Future.wrap(fs.readFile)(file, 'utf8');
    const stat = Future.wrap(fs.stat)(file);
    Future.wait(text, stat); // both at once
    const body = { file: path.basename(file), bytes: stat.get().size, doc: JSON.parse(text.get()) };
    Future.wrap(respond)(request.id, 200, body).wait();
  } catch (err) {
    Future.wrap(respond)(request.id, err.code === 'ENOENT' ? 404 : 500, { error: err.code || err.message }).wait();
  }
}

global.pendingResponses = new Map();
let requests = 0;
const server = http.createServer(function (req, res) {
  const id = ++requests;
  global.pendingResponses.set(id, res);
  Fiber(handle).run({ id: id, url: req.url });
});

// A client, also in blocking style, in a fiber of its own.
function get(port, url, done) {
  http.get({ port: port, path: url }, function (res) {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', function (chunk) {
      body += chunk;
    });
    res.on('end', function () {
      done(null, res.statusCode + ' ' + body);
    });
  }).on('error', done);
}

function client(port) {
  const fget = Future.wrap(get);
  for (const url of ['/', '/hello', '/missing']) console.log('GET ' + url + ' -> ' + fget(port, url).wait());
  Future.wrap(closeServer)().wait();
}

function closeServer(done) {
  global.server.close(function () {
    console.log('server closed after ' + global.served() + ' requests');
    done(null);
  });
}

global.server = server;
global.served = function () {
  return requests;
};
server.listen(0, '127.0.0.1', function () {
  Fiber(client).run(server.address().port);
});
