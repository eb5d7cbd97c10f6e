// Compiled code is reused across carriers: Node's compile cache where it has
// one (Node >= 22.1), the carriers' own code cache for large CommonJS files
// on Node 20. A library loaded from the cache behaves as loaded by Node; one
// that calls import() is left to Node's own compile on Node 20 (its V8 loses
// the import() of a script compiled from cached data).
import { createHash } from 'node:crypto';
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

/** Where the carriers' own cache keeps a file's compiled code (src/carrier/code-cache.ts). */
function cacheEntry(file: string): string {
  const key = createHash('sha1').update(file).update('\0').update(fs.readFileSync(file, 'utf8')).digest('hex');
  return path.join(os.tmpdir(), 'greenthread-code-cache', `${process.version}-${process.arch}`, key);
}

/** Loads `file` once, then four times at once, each load parked a while so that they spread over carriers. */
async function loadEverywhere(file: string): Promise<Array<Record<string, unknown>>> {
  const first = (await spawn(t.loadBig, file).result) as Record<string, unknown>;
  const rest = (await Promise.all(Array.from({ length: 4 }, () => spawn(t.loadBig, file, 400).result))) as Array<Record<string, unknown>>;
  return [first, ...rest];
}

function expectLoadedAsNode(results: Array<Record<string, unknown>>, file: string, imported: string): void {
  for (const r of results) {
    expect(r).toMatchObject({ sum: 1999 * 2 + (1999 % 7) + 3 + 3, dep: true, resolved: path.join(dir, 'dep.js'), paths: true, sameCache: true, dir, imported });
    // The error names the module's own file and line.
    expect(r.stack).toContain(`${file}:2010`);
  }
  // Loads in different carriers, each compiling the file afresh (or from the cache).
  expect(new Set(results.map((r) => r.thread)).size).toBeGreaterThan(1);
}

describe('compiled code shared by carriers', () => {
  it('a large CommonJS module loads the same in every carrier, from the cache after the first', async () => {
    const file = t.writeBigModule(dir);
    expectLoadedAsNode(await loadEverywhere(file), file, 'no import(): "import(" in a string only');
    if (!hasNodeCache) expect(fs.existsSync(cacheEntry(file))).toBe(true);
  });

  it('one that calls import() loads and imports in every carrier', async () => {
    const file = t.writeBigModule(dir, { dynamicImport: true });
    expectLoadedAsNode(await loadEverywhere(file), file, 'imported');
    if (!hasNodeCache) expect(fs.existsSync(cacheEntry(file))).toBe(false);
  });

  it('tells a call of import() from the word in strings and names', async () => {
    const cases: Array<[string, boolean]> = [
      ["exports.f = () => import('./x.mjs');", true],
      ['const m = await import (name);', true],
      ['x = 1;\nimport("y")', true],
      ['diag("Did you mean \'typeof import(\'{0}\')\'?")', false],
      ['`import(${q}${spec}${q}).`', false],
      ['loader.import(x); reimport(y); $import(z)', false],
    ];
    expect(await spawn(t.mayImport, cases.map(([text]) => text)).result).toEqual(cases.map(([, calls]) => calls));
  });
});
