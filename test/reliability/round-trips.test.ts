// Many green threads doing hub round trips at once, on as many carriers: Queue
// ping-pong between pairs and echoes through a thread's own queue, mixed with
// sleep(0). Every reply carries the token of its request and is checked by the
// green thread that receives it, so a reply delivered to the wrong request or
// carrier fails at once; a lost wake-up fails as a get unanswered for 20 s
// (see the fixture) instead of hanging the run. Then waits that time out
// (Queue.get's timeout, and a Timeout thrown at the park point) race items
// arriving: a reply to a wait that already timed out must be dropped, and the
// item go to a later get, never lost or taken twice.
//
// 100,000 round trips by default; GREENTHREAD_SOAK=1 makes it 1,000,000.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const rt = load('../fixtures/reliability/round-trips.mjs');
const { spawn, poolStats, configure, Queue } = gt;

const SOAK = process.env.GREENTHREAD_SOAK === '1';
const TOTAL = SOAK ? 1_000_000 : 100_000;
const PAIRS = 6;
const ECHOES = 4;
// Three quarters of the round trips in ping-pong (4 per exchange), the rest in echoes.
const EXCHANGES = Math.ceil((TOTAL * 3) / 4 / (4 * PAIRS));
const STEPS = Math.ceil((TOTAL - 4 * PAIRS * EXCHANGES) / ECHOES);

describe('hub round trips under concurrency', () => {
  configure({ minCarriers: 2, maxCarriers: 32 });

  it(`${TOTAL.toLocaleString('en')} round trips from ${2 * PAIRS + ECHOES} green threads: every reply is its own, none lost`, async () => {
    const threads = [];
    for (let p = 0; p < PAIRS; p++) {
      const there = new Queue();
      const back = new Queue();
      threads.push(spawn(rt.ping, p, EXCHANGES, there, back), spawn(rt.pong, p, EXCHANGES, there, back));
    }
    for (let e = 0; e < ECHOES; e++) threads.push(spawn(rt.echo, `echo-${e}`, STEPS, new Queue()));
    const done = (await Promise.all(threads.map((g) => g.result))) as number[];
    const trips = done.reduce((a, b) => a + b, 0);
    expect(trips).toBeGreaterThanOrEqual(TOTAL);
    expect(done).toEqual([...Array(2 * PAIRS).fill(2 * EXCHANGES), ...Array(ECHOES).fill(STEPS)]);
    // Every request was found by its doorbell bit: none waited for the hub's slow sweep.
    expect(poolStats()).toMatchObject({ live: 0, queued: 0, unrungRequests: 0 });
  }, SOAK ? 900_000 : 180_000);

  it('waits that time out while items arrive lose no item and take none twice', async () => {
    const N = SOAK ? 50_000 : 8000;
    const CONSUMERS = 6;
    const q = new Queue();
    const consumers = Array.from({ length: CONSUMERS }, (_, i) => spawn(rt.impatient, q, i % 2 === 1));
    const producer = spawn(rt.producer, q, N, CONSUMERS);
    expect(await producer.result).toBe(N);
    const results = (await Promise.all(consumers.map((g) => g.result))) as { got: number[]; timeouts: number }[];
    for (const r of results) {
      // First in, first out: each consumer sees its items in the order they were put.
      for (let i = 1; i < r.got.length; i++) expect(r.got[i]).toBeGreaterThan(r.got[i - 1]);
    }
    const all = results.flatMap((r) => r.got).sort((a, b) => a - b);
    expect(all).toEqual([...Array(N).keys()]);
    // Both kinds of timeout really raced the items.
    expect(results.filter((_, i) => i % 2 === 0).reduce((a, r) => a + r.timeouts, 0)).toBeGreaterThan(0);
    expect(results.filter((_, i) => i % 2 === 1).reduce((a, r) => a + r.timeouts, 0)).toBeGreaterThan(0);
    expect(q.size).toBe(0);
  }, SOAK ? 600_000 : 120_000);
});
