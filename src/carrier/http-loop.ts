/**
 * A serveHttp handler green thread: asks the hub for a request, runs the
 * handler, and carries the response with its next ask, so each request
 * costs one round trip. It ends when the hub answers null (the server
 * closed, or no request came for the idle timeout).
 *
 * A handler that throws answers 500; its error is printed and the loop goes
 * on. A handler may also return a promise (it is awaited).
 *
 * Runs on a carrier only.
 */
import { Op } from '../channel/ops.js';
import { GreenRequest, toResponse, type HttpResult } from '../net/http.js';
import type { HttpRequestWire, HttpResponseWire } from '../net/wire.js';
import { park } from './channel.js';

function failed(req: GreenRequest, err: unknown): HttpResponseWire | undefined {
  process.stderr.write(`greenthread: serveHttp handler failed on ${req.method} ${req.url}:\n${(err as Error)?.stack ?? String(err)}\n`);
  if (req.stream) {
    // The head is out: end what was sent.
    try {
      req.stream.end();
    } catch {
      // the client is gone
    }
    return { rid: req.rid, status: 0, headers: {}, body: undefined, streamed: true };
  }
  return { rid: req.rid, status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('internal server error\n') };
}

function answer(req: GreenRequest, out: HttpResult): HttpResponseWire {
  if (req.stream) {
    if (!req.stream.ended) req.stream.end();
    return { rid: req.rid, status: 0, headers: {}, body: undefined, streamed: true };
  }
  return toResponse(req.rid, out);
}

export function httpLoop(handler: Function, sid: number): unknown {
  let response: HttpResponseWire | undefined;
  for (;;) {
    const wire = park(Op.HTTP_NEXT, sid, response) as HttpRequestWire | null;
    response = undefined;
    if (wire === null || wire === undefined) return undefined;
    const req = new GreenRequest(wire, sid);
    let out: unknown;
    try {
      out = handler(req);
    } catch (err) {
      response = failed(req, err);
      continue;
    }
    if (out !== null && typeof (out as PromiseLike<unknown>)?.then === 'function') {
      // An async handler: the rest of the loop continues once it settles.
      return (out as Promise<HttpResult>).then(
        (v) => asyncLoop(handler, sid, safeAnswer(req, v)),
        (err) => asyncLoop(handler, sid, failed(req, err)),
      );
    }
    response = safeAnswer(req, out as HttpResult);
  }
}

function safeAnswer(req: GreenRequest, out: HttpResult): HttpResponseWire | undefined {
  try {
    return answer(req, out);
  } catch (err) {
    return failed(req, err);
  }
}

async function asyncLoop(handler: Function, sid: number, first: HttpResponseWire | undefined): Promise<unknown> {
  let response = first;
  for (;;) {
    const wire = park(Op.HTTP_NEXT, sid, response) as HttpRequestWire | null;
    response = undefined;
    if (wire === null || wire === undefined) return undefined;
    const req = new GreenRequest(wire, sid);
    try {
      response = safeAnswer(req, (await handler(req)) as HttpResult);
    } catch (err) {
      response = failed(req, err);
    }
  }
}
