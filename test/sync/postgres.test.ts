// runInHub with a real PostgreSQL server through pg: blocking-style queries in
// green threads, one connection pool in the hub. .ci/run starts the server
// (test/setup/postgres.sh); where it cannot run, this file is skipped and says why.
import { createRequire } from 'node:module';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const tasks = load('../fixtures/sync/pg-tasks.mjs');
const url = process.env.GREENTHREAD_PG_URL ?? 'postgres://postgres:greenthread@127.0.0.1:5432/postgres';

let unavailable: string | undefined;
try {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  await client.end();
} catch (err) {
  unavailable = `PostgreSQL is not reachable at ${url} (${(err as Error).message}); run test/setup/postgres.sh`;
  console.log(`skipping the PostgreSQL tests: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined)('runInHub with PostgreSQL (pg)', () => {
  afterAll(() => tasks.closePool());

  it('20 green threads query through one pool of 4 connections in the hub', async () => {
    const rows = (await Promise.all(Array.from({ length: 20 }, (_, i) => gt.spawn(tasks.orderTotal, url, i).result))) as {
      id: number;
      total: number;
      pid: number;
    }[];
    expect(rows.map((r) => [r.id, r.total])).toEqual(Array.from({ length: 20 }, (_, i) => [i, i * 10]));
    const connections = new Set(rows.map((r) => r.pid));
    expect(connections.size).toBeGreaterThan(0);
    expect(connections.size).toBeLessThanOrEqual(4);
  });

  // pg names its DatabaseError instances "error"; the rebuilt error keeps that name.
  it("the database's error comes back with its SQLSTATE code", async () => {
    expect(await gt.spawn(tasks.badQuery, url).result).toMatchObject({ name: 'error', code: '42P01', message: expect.stringMatching(/no_such_table/) });
  });
});
