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
import { GreenRequest, TEXT_HEADERS, toResponse, type HttpResult } from '../net/http.js';
import type { HttpRequestWire, HttpResponseWire, HttpReturn, PackedRequests, PackedResponses } from '../net/wire.js';
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
  return { rid: req.rid, status: 500, headers: TEXT_HEADERS, body: 'internal server error\n' };
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

/** Adds a response to the packed list (see PackedResponses). */
function pack(into: PackedResponses, r: HttpResponseWire): void {
  if (r.streamed) into.push(r.rid, 0, 0, undefined);
  else into.push(r.rid, r.status, r.headers === TEXT_HEADERS ? 0 : r.headers, r.body);
}

/** Request `i` of a packed batch (see PackedRequests). */
function unpack(batch: PackedRequests, i: number): HttpRequestWire {
  const j = i * 8;
  return {
    rid: batch[j] as number,
    method: batch[j + 1] as string,
    url: batch[j + 2] as string,
    httpVersion: batch[j + 3] as string,
    rawHeaders: batch[j + 4] as string[],
    body: batch[j + 5] as Uint8Array | undefined,
    remoteAddress: batch[j + 6] as string | undefined,
    remotePort: batch[j + 7] as number | undefined,
  };
}

function isPromise(v: unknown): v is Promise<unknown> {
  return v !== null && typeof (v as PromiseLike<unknown>)?.then === 'function';
}

/**
 * The loop. Returns undefined when the hub stops it, or a promise when a
 * handler went async (the loop goes on once it settles).
 */
export function httpLoop(handler: Function, sid: number, carried: PackedResponses = []): unknown {
  let responses = carried;
  for (;;) {
    const batch = park(Op.HTTP_NEXT, sid, responses.length > 0 ? responses : undefined) as PackedRequests | null;
    responses = [];
    if (!batch) return undefined;
    let count = batch.length / 8;
    for (let i = 0; i < count; i++) {
      let rest = i + 1 < count;
      // Runs if the handler parks: what is done and what is not started go back to the hub.
      const giveBack = () => {
        const left: number[] = [];
        if (rest) for (let k = i + 1; k < count; k++) left.push(batch[k * 8] as number);
        const back: HttpReturn = { responses, rest: left };
        responses = [];
        count = i + 1;
        rest = false;
        park(Op.HTTP_RETURN, sid, back);
      };
      beforeNextPark(giveBack, true);
      const req = new GreenRequest(unpack(batch, i), sid);
      let out: unknown;
      try {
        out = handler(req);
      } catch (err) {
        beforeNextPark(giveBack, false);
        pack(responses, failed(req, err));
        continue;
      }
      beforeNextPark(giveBack, false);
      if (isPromise(out)) {
        if (rest || responses.length > 0) giveBack();
        const next: PackedResponses = [];
        return out.then(
          (v) => (pack(next, answer(req, v as HttpResult)), httpLoop(handler, sid, next)),
          (err) => (pack(next, failed(req, err)), httpLoop(handler, sid, next)),
        );
      }
      pack(responses, answer(req, out as HttpResult));
    }
  }
}
