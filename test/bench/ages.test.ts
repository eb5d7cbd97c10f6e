// The ages benchmark runs, and every model answers every workload
// correctly: a smoke run (0.4 s per model and workload, about 35 s in all),
// checked from its JSON. Figures are not asserted: they depend on the
// machine. It checks the benchmark's own harness and servers, so the run on
// other Node versions (test/setup/node-matrix.sh) leaves it out with
// GREENTHREAD_BENCH_SMOKE=0.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODELS = ['fork', 'prefork', 'threads', 'async', 'deasync', 'greenthread', 'piscina'];
const WORKLOADS = ['hello', 'legacy', 'cpu', 'idle'];

interface Run {
  model: string;
  workload: string;
  failed?: string;
  skipped?: string;
  check?: { status: number; body: string; ok: boolean };
  non2xx?: number;
  mismatches?: number;
}

let dir: string;
let result: { results: Run[]; workloads: string[] };
let stdout = '';

const SMOKE = process.env.GREENTHREAD_BENCH_SMOKE !== '0';

beforeAll(async () => {
  if (!SMOKE) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'ages-test-'));
  const json = path.join(dir, 'ages.json');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['bench/ages/run.js', '--smoke', '--json', json], { cwd: ROOT, timeout: 150_000, maxBuffer: 16 << 20 }, (err, out, errOut) => {
      stdout = out;
      if (err) reject(new Error(`${err.message}\n${errOut.slice(-3000)}`));
      else resolve();
    });
  });
  result = JSON.parse(readFileSync(json, 'utf8'));
}, 160_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!SMOKE)('bench/ages --smoke', () => {
  it('runs every model on every workload', () => {
    for (const w of WORKLOADS) {
      for (const m of MODELS) {
        const runs = result.results.filter((r) => r.model === m && r.workload === w);
        expect(runs.length, `${m}/${w}`).toBeGreaterThan(0);
        for (const r of runs) {
          expect(r.failed, `${m}/${w}`).toBeUndefined();
          expect(r.skipped, `${m}/${w}`).toBeUndefined();
        }
      }
    }
  });

  // How many requests a model finished in its second is not checked: a
  // process per connection may still be starting on a busy machine.
  it('every model answers 200 with the expected body, before and under load', () => {
    for (const r of result.results) {
      const what = `${r.model}/${r.workload}`;
      expect(r.check?.status, what).toBe(200);
      expect(r.check?.ok, `${what}: ${r.check?.body}`).toBe(true);
      if (r.workload === 'legacy') expect(r.check?.body, what).toMatch(/^legacy: slept, read 65536 bytes/);
      else if (r.workload === 'cpu') expect(r.check?.body, what).toMatch(/^cpu: \d+$/);
      else expect(r.check?.body, what).toBe('hello world');
      expect(r.non2xx, what).toBe(0);
      expect(r.mismatches, what).toBe(0);
    }
  });

  it('answers the same cpu checksum in every model', () => {
    const bodies = new Set(result.results.filter((r) => r.workload === 'cpu').map((r) => r.check?.body));
    expect(bodies.size).toBe(1);
  });

  it('prints a table per workload and writes a chart per workload', () => {
    for (const w of WORKLOADS) expect(stdout).toContain(`${w}: `);
    for (const w of result.workloads) {
      const svg = readFileSync(path.join(dir, `ages-${w}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      for (const m of MODELS) expect(svg).toContain(`>${m}</text>`);
    }
  });
});
