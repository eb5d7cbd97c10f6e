// Compiled code is reused across carriers: Node's compile cache where it has
// one (Node >= 22.1), the carriers' own code cache for large CommonJS files
// on Node 20. A library loaded from the cache behaves as loaded by Node.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/core/big-cjs.mjs');
const { spawn } = gt;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-code-cache-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const hasNodeCache = typeof (load('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('compiled code shared by carriers', () => {
  it('a large CommonJS module loads the same in every carrier, from the cache after the first', async () => {
    const file = t.writeBigModule(dir);
    const expected = {
      sum: 1999 * 2 + (1999 % 7) + 3 + 3,
      dep: true,
      resolved: path.join(dir, 'dep.js'),
      paths: true,
      sameCache: true,
      dir,
      imported: 'imported',
    };
    const first = await spawn(t.loadBig, file).result;
    // Several at once: they run on different carriers, each loading the file afresh.
    const rest = await Promise.all(Array.from({ length: 3 }, () => spawn(t.loadBig, file).result));
    for (const r of [first, ...rest] as { stack: string }[]) {
      expect(r).toMatchObject(expected);
      // The error names the module's own file and line.
      expect(r.stack).toContain(`${file}:2010`);
    }
    if (!hasNodeCache) {
      const cacheDir = path.join(os.tmpdir(), 'greenthread-code-cache', `${process.version}-${process.arch}`);
      expect(fs.readdirSync(cacheDir).length).toBeGreaterThan(0);
    }
  });
});
