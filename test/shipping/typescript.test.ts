import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, markerLine } from './helpers.js';

describe('TypeScript run by tsx', () => {
  it('ships functions of .ts modules: types stripped, import type dropped, typed helpers shipped', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture('ts-case.ts')], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.rebuilt).toBe(out.original);
    expect(out.original).toBe('7: 30.63 EUR');
    // `import type` is not a runtime import; only node:path is.
    expect(out.imports).toEqual([{ local: 'basename', specifier: 'node:path', imported: 'basename' }]);
    // __name is esbuild's keepNames helper, which tsx puts in the compiled body.
    expect(out.declarations).toEqual(['__name', 'lineTotal', 'round']);
    expect(out.constants).toEqual([
      { name: 'TAX', value: 0.25 },
      { name: 'CURRENCY', value: 'EUR' },
    ]);
    // Imported from ts-tasks.ts and spawned here: shipped from its own module.
    expect(out.shout).toBe('HEY!');
    expect(out.shoutModule).toBe('ts-tasks.ts');
    expect(out.shoutDeclarations).toEqual(['upper']);
    // tsx compiles to one line; the line is mapped back through its source map.
    expect(out.callerLine).toBe(markerLine('ts-case.ts', '@caller'));
  }, 60_000);

  it('stack traces of a green thread name the .ts file\'s own lines and columns', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture('ts-stack.ts')], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`at check (${pathToFileURL(fixture('ts-stack.ts')).href}:${markerLine('ts-stack.ts', '@ts-throws')}:11)`);
    expect(run.stdout).toMatch(new RegExp(`ts-stack\\.ts:${markerLine('ts-stack.ts', '@ts-spawns')}:\\d+\\)`));
  }, 60_000);
});
