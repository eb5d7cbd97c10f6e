/**
 * A serveHttp handler green thread: asks the hub for requests, runs the
 * handler on each, and carries the responses with its next ask.
 *
 * Requests come in batches: under load one round trip serves many requests.
 * A batch is held only while the handler computes: if it parks (sleep, a
 * socket, execSync, a streamed write) or goes async, the requests not yet
 * started go back to the hub first, with the responses already made, so
 * that other handler green threads take them; the hub also learns that
 * this one is blocked and may start another.
 *
 * It ends when the hub answers null (the server closed, or no request came
 * for the idle timeout). A handler that throws answers 500, its error is
 * printed, and the loop goes on.
 *
 * Runs on a carrier only.
 */
import { Op } from '../channel/ops.js';
import { GreenRequest, toResponse, type HttpResult } from '../net/http.js';
import type { HttpRequestWire, HttpResponseWire, HttpReturn } from '../net/wire.js';
import { beforeNextPark, park } from './channel.js';

function failed(req: GreenRequest, err: unknown): HttpResponseWire {
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
  return { rid: req.rid, status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal server error\n' };
}

function answer(req: GreenRequest, out: HttpResult): HttpResponseWire {
  try {
    if (req.stream) {
      if (!req.stream.ended) req.stream.end();
      return { rid: req.rid, status: 0, headers: {}, body: undefined, streamed: true };
    }
    return toResponse(req.rid, out);
  } catch (err) {
    return failed(req, err);
  }
}

function isPromise(v: unknown): v is Promise<unknown> {
  return v !== null && typeof (v as PromiseLike<unknown>)?.then === 'function';
}

/**
 * The loop. Returns undefined when the hub stops it, or a promise when a
 * handler went async (the loop goes on once it settles).
 */
export function httpLoop(handler: Function, sid: number, carried: HttpResponseWire[] = []): unknown {
  let responses = carried;
  for (;;) {
    const batch = park(Op.HTTP_NEXT, sid, responses.length > 0 ? responses : undefined) as HttpRequestWire[] | null;
    responses = [];
    if (!batch) return undefined;
    for (let i = 0; i < batch.length; i++) {
      let rest = i + 1 < batch.length;
      // Runs if the handler parks: what is done and what is not started go back to the hub.
      const giveBack = () => {
        const back: HttpReturn = { responses, rest: rest ? batch.slice(i + 1).map((w) => w.rid) : [] };
        responses = [];
        batch.length = i + 1;
        rest = false;
        park(Op.HTTP_RETURN, sid, back);
      };
      beforeNextPark(giveBack, true);
      const req = new GreenRequest(batch[i]!, sid);
      let out: unknown;
      try {
        out = handler(req);
      } catch (err) {
        beforeNextPark(giveBack, false);
        responses.push(failed(req, err));
        continue;
      }
      beforeNextPark(giveBack, false);
      if (isPromise(out)) {
        if (rest || responses.length > 0) giveBack();
        return out.then(
          (v) => httpLoop(handler, sid, [answer(req, v as HttpResult)]),
          (err) => httpLoop(handler, sid, [failed(req, err)]),
        );
      }
      responses.push(answer(req, out as HttpResult));
    }
  }
}
