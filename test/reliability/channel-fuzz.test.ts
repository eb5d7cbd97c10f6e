// Hostile input on a carrier's channel: green threads that write garbage into
// their own carrier's shared channel and ring the hub's doorbell. The hub must
// answer each with an error for that green thread (or drop a replayed ring),
// never hand another green thread's request a wrong answer, and go on serving;
// a carrier whose green thread broke the protocol is not reused.
//
// Reproducing a failure: the fuzzers' seeds are printed; set
// GREENTHREAD_FUZZ_SEED to rerun with the one that failed.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const rt = load('../fixtures/reliability/round-trips.mjs');
const { STATUS_OK } = load('../../dist/channel/layout.js') as { STATUS_OK: number };
const { spawn, poolStats, configure, Queue } = gt;
const FUZZER = new URL('../fixtures/reliability/channel-fuzz.mjs', import.meta.url);
const BREAKER = new URL('../fixtures/reliability/protocol-breaker.mjs', import.meta.url);

const FIXED_SEED = 0x5eed_0001;
const RANDOM_SEED = Number(process.env.GREENTHREAD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const ITERATIONS = 6000;

interface FuzzReport {
  threadId: number;
  iterations: number;
  protocolErrors: number;
  otherErrors: number;
  ok: number;
  replaysDropped: number;
  pendingRejected: number;
  cases: Record<string, number>;
}

const until = async (check: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not reached in ${ms} ms: ${JSON.stringify(poolStats())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('hostile requests on a carrier channel', () => {
  configure({ minCarriers: 2, maxCarriers: 32 });

  it(`are rejected one by one while bystanders run undisturbed (seeds ${FIXED_SEED} and ${RANDOM_SEED})`, async () => {
    console.log(`channel fuzz: seeds ${FIXED_SEED} (fixed) and ${RANDOM_SEED} (random; GREENTHREAD_FUZZ_SEED=${RANDOM_SEED} reruns it)`);
    // Bystanders: round trips with per-request tokens, during the whole fuzz.
    const a = new Queue();
    const b = new Queue();
    const bystanders = [
      spawn(rt.ping, 1, 3000, a, b),
      spawn(rt.pong, 1, 3000, a, b),
      spawn(rt.echo, 'bystander', 6000, new Queue()),
    ];
    const fuzzers = [spawn(FUZZER, FIXED_SEED, ITERATIONS), spawn(FUZZER, RANDOM_SEED, ITERATIONS)];
    const reports = (await Promise.all(fuzzers.map((g) => g.result))) as FuzzReport[];
    expect(await Promise.all(bystanders.map((g) => g.result))).toEqual([6000, 6000, 6000]);

    for (const r of reports) {
      expect(r.iterations).toBe(ITERATIONS);
      // Every kind of hostile request was tried, and each was answered or dropped as it must be.
      for (const kind of ['unknown op', 'bad length', 'random header', 'random payload', 'bad port payload', 'out of order', 'replay', 'second request', 'doorbell abuse']) {
        expect(r.cases[kind], kind).toBeGreaterThan(0);
      }
      expect(r.protocolErrors).toBeGreaterThan(ITERATIONS / 2);
      expect(r.replaysDropped).toBe(r.cases.replay);
      expect(r.pendingRejected).toBeGreaterThan(0);
    }

    // The carriers that carried hostile requests are retired, and the pool
    // comes back: new green threads run normally, none on those carriers.
    const tainted = new Set(reports.map((r) => r.threadId));
    await until(() => poolStats().live === 0 && poolStats().starting === 0 && poolStats().carriers >= 2);
    const after = Array.from({ length: 12 }, (_, i) => spawn(rt.whereAmI, i));
    const where = (await Promise.all(after.map((g) => g.result))) as { n: number; threadId: number }[];
    expect(where.map((w) => w.n)).toEqual([...Array(12).keys()]);
    for (const w of where) expect(tainted.has(w.threadId)).toBe(false);
    const c = new Queue();
    const d = new Queue();
    expect(await Promise.all([spawn(rt.ping, 2, 500, c, d).result, spawn(rt.pong, 2, 500, c, d).result])).toEqual([1000, 1000]);
    await until(() => poolStats().live === 0);
  }, 60_000);

  it('a request sent while another is pending is rejected, and the pending one is cancelled with it', async () => {
    const r = (await spawn(BREAKER, 'pending').result) as { rejected: string; sizeAfterPut: number; item: string };
    expect(r.rejected).toBe('ERR_GREEN_PROTOCOL');
    // The rejected get did not take the item put after it.
    expect(r.sizeAfterPut).toBe(1);
    expect(r.item).toBe('item');
  });

  it('a request whose doorbell bit was cleared by a stray store is still answered, and counted', async () => {
    const before = poolStats().unrungRequests;
    const r = (await spawn(BREAKER, 'unrung').result) as { status: number; waitedMs: number; next: number };
    expect(r).toMatchObject({ status: STATUS_OK, next: STATUS_OK });
    expect(poolStats().unrungRequests).toBe(before + 1);
  });

  it('an unrung second request while one is pending is found too, and rejected', async () => {
    const before = poolStats().unrungRequests;
    const r = (await spawn(BREAKER, 'unrung-pending').result) as { rejected: string };
    expect(r.rejected).toBe('ERR_GREEN_PROTOCOL');
    expect(poolStats().unrungRequests).toBe(before + 1);
  });

  it('a carrier whose green thread broke the protocol runs no other green thread', async () => {
    await until(() => poolStats().live === 0);
    const r = (await spawn(BREAKER, 'desync').result) as { rejected: string; threadId: number };
    expect(r.rejected).toBe('ERR_GREEN_PROTOCOL');
    // One at a time, so that an idle carrier is reused at once if it may be.
    for (let i = 0; i < 6; i++) {
      const w = (await spawn(rt.whereAmI, i).result) as { n: number; threadId: number };
      expect(w).toEqual({ n: i, threadId: expect.any(Number) });
      expect(w.threadId).not.toBe(r.threadId);
    }
  });
});
