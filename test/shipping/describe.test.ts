import { describe, expect, it } from 'vitest';
import { callerLocation, describeFunction, describeModule } from '../../dist/shipping/describe.js';
import { materialize, materializeCached } from '../../dist/shipping/materialize.js';
import { GreenShipError } from '../../dist/errors.js';
import { fixture, fixtureUrl, loadFixture, markerLine } from './helpers.js';

const esm = loadFixture('esm-case.mjs');
const cjs = loadFixture('cjs-case.cjs');

describe('ESM functions', () => {
  const file = fixtureUrl('esm-case.mjs');

  it('ships imports, declarations, constants and globals, and the rebuilt function behaves the same', async () => {
    const desc = describeFunction(esm.work, file, 1);
    expect(desc.kind).toBe('function');
    expect(desc.cjs).toBe(false);
    expect(desc.moduleUrl).toBe(file);
    expect(desc.imports).toEqual(
      expect.arrayContaining([
        { local: 'path', specifier: 'node:path', imported: 'default' },
        { local: 'readFileSync', specifier: 'node:fs', imported: 'readFileSync' },
        { local: 'os', specifier: 'node:os', imported: '*' },
        { local: 'greet', specifier: fixtureUrl('esm-helper.mjs'), imported: 'greet' },
        { local: 'VERSION', specifier: fixtureUrl('esm-helper.mjs'), imported: 'VERSION' },
      ]),
    );
    expect(desc.imports).toHaveLength(5);
    // Transitive (scaled -> factorial), in module order, each once.
    expect(desc.declarations.map((d) => d.name)).toEqual(['factorial', 'scaled', 'double']);
    expect(desc.declarations[2].source).toBe('const double = (x) => x * 2;');
    expect(desc.constants).toEqual([
      { name: 'FACTOR', value: 3 },
      { name: 'OFFSET', value: -2 },
      { name: 'LABEL', value: 'sum' },
      { name: 'BIG', value: 10n },
    ]);
    expect(desc.requires).toEqual([]);
    expect(desc.cjsLocals).toBe(false);

    const rebuilt = await materialize(desc);
    expect(rebuilt).not.toBe(esm.work);
    const target = fixture('esm-helper.mjs');
    expect(rebuilt(target, 5)).toEqual(esm.work(target, 5));
    expect(rebuilt(target, 5).scaled).toBe(358);
  });

  it('descriptors survive structured clone', async () => {
    const desc = structuredClone(describeFunction(esm.work, file));
    expect((await materialize(desc))(fixture('esm-helper.mjs'), 3)).toEqual(esm.work(fixture('esm-helper.mjs'), 3));
  });

  it('turns method shorthand into function expressions', async () => {
    const twice = describeFunction(esm.methods.twice, file);
    expect(twice.source).toMatch(/^function \(x\)/);
    expect((await materialize(twice))(21)).toBe(42);

    const later = describeFunction(esm.methods.later, file);
    expect(later.source).toMatch(/^async function \(x\)/);
    expect(later.constants).toEqual([{ name: 'FACTOR', value: 3 }]);
    expect(await (await materialize(later))(2)).toBe(7);

    const steps = describeFunction(esm.methods.steps, file);
    expect(steps.source).toMatch(/^function\* \(n\)/);
    expect([...(await materialize(steps))(4)]).toEqual([0, 2, 4, 6]);
  });

  it('resolves dynamic import() specifiers from the defining module', async () => {
    const desc = describeFunction(esm.lazy, file);
    expect(desc.source).toContain(JSON.stringify(fixtureUrl('esm-helper.mjs')));
    expect(desc.imports).toEqual([]);
    // vitest runs dist/ through vm without a dynamic-import callback, which code compiled by
    // new Function inherits; a carrier loads materialize natively, as this copy is.
    const native = loadFixture<typeof import('../../dist/shipping/materialize.js')>('../../../dist/shipping/materialize.js');
    expect(await (await native.materialize(desc))()).toBe('hello, lazily');
  });

  it('ships a function without free identifiers with no bindings', async () => {
    const desc = describeFunction(esm.noGlobals, file);
    expect(desc).toMatchObject({ imports: [], requires: [], declarations: [], constants: [], cjsLocals: false });
    expect((await materialize(desc))(2, 3)).toBe(5);
  });
});

describe('a function imported from another module', () => {
  it('is shipped from the module that defines it, not the caller', async () => {
    const desc = loadFixture('spawner.mjs').describeImported();
    expect(desc.moduleUrl).toBe(fixtureUrl('esm-case.mjs'));
    expect(desc.key).toBe(describeFunction(esm.work, fixtureUrl('esm-case.mjs')).key);
    const target = fixture('esm-helper.mjs');
    expect((await materialize(desc))(target, 2)).toEqual(esm.work(target, 2));
  });
});

describe('CommonJS functions', () => {
  const file = fixture('cjs-case.cjs');

  it('ships requires, destructured requires, helpers and lazy require()', async () => {
    const desc = describeFunction(cjs.work, file, 1);
    expect(desc.cjs).toBe(true);
    expect(desc.cjsLocals).toBe(true);
    expect(desc.imports).toEqual([]);
    expect(desc.requires).toEqual(
      expect.arrayContaining([
        { local: 'fs', specifier: 'fs', path: [] },
        { local: 'join', specifier: 'path', path: ['join'] },
        { local: 'separator', specifier: 'path', path: ['sep'] },
        { local: 'basename', specifier: 'path', path: ['basename'] },
      ]),
    );
    expect(desc.requires).toHaveLength(4);
    expect(desc.declarations.map((d) => d.name)).toEqual(['clamp']);
    expect(desc.constants).toEqual([{ name: 'LIMIT', value: 5 }]);

    const rebuilt = await materialize(desc);
    const dir = fixture('');
    expect(rebuilt(dir, 'cjs-case.cjs', 9)).toEqual(cjs.work(dir, 'cjs-case.cjs', 9));
    expect(rebuilt(dir, 'cjs-case.cjs', 9)).toMatchObject({ exists: true, clamped: 5, file, cpus: true });
  });
});

describe('caching', () => {
  it('describing the same function twice returns the same descriptor', () => {
    const file = fixtureUrl('esm-case.mjs');
    const first = describeFunction(esm.work, file);
    expect(describeFunction(esm.work, file)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('the key is a content hash: the same function from a path or a URL has the same key', () => {
    const byUrl = describeFunction(esm.work, fixtureUrl('esm-case.mjs'));
    const byPath = describeFunction(esm.work, fixture('esm-case.mjs'));
    expect(byPath.key).toBe(byUrl.key);
    expect(byUrl.key).toMatch(/^[0-9a-f]{40}$/);
    expect(describeFunction(esm.noGlobals, fixture('esm-case.mjs')).key).not.toBe(byUrl.key);
  });

  it('materializing the same key twice returns the same function, also synchronously', async () => {
    const desc = describeFunction(esm.methods.twice, fixture('esm-case.mjs'));
    const [a, b] = await Promise.all([materialize(desc), materialize(structuredClone(desc))]);
    expect(b).toBe(a);
    expect(await materialize(desc)).toBe(a);
    expect(materializeCached(desc.key)).toBe(a);
    expect(materializeCached('no-such-key')).toBeUndefined();
  });
});

describe('code with no readable module (eval, REPL)', () => {
  it('ships functions that use globals only', async () => {
    const fn = new Function('a', 'b', 'return Math.max(a, b) + JSON.stringify([]).length');
    const desc = describeFunction(fn, undefined);
    expect(desc.moduleUrl).toBeNull();
    expect((await materialize(desc))(1, 4)).toBe(6);
    expect(describeFunction(fn, '[eval]').moduleUrl).toBeNull();
  });
});

describe('describeModule', () => {
  it('ships a module whose default export is the function', async () => {
    const url = new URL('../fixtures/shipping/task-module.mjs', import.meta.url);
    const desc = describeModule(url);
    expect(desc).toEqual({ kind: 'module', key: 'module:' + url.href, url: url.href, exportName: 'default' });
    expect(describeModule(url.href)).toEqual(desc);
    const fn = await materialize(desc);
    expect(fn('green')).toBe('HELLO, GREEN');
    expect(materializeCached(desc.key)).toBe(fn);
  });

  it('rejects what is not a file: URL to an existing file', () => {
    expect(() => describeModule('./task-module.mjs')).toThrow(GreenShipError);
    expect(() => describeModule('https://example.com/task.js')).toThrow(/not a file: URL/);
    expect(() => describeModule(new URL('../fixtures/shipping/missing.mjs', import.meta.url))).toThrow(/no module file/);
  });

  it('rejects at materialize a module whose default export is not a function', async () => {
    const desc = describeModule(new URL('../fixtures/shipping/not-a-function.mjs', import.meta.url));
    await expect(materialize(desc)).rejects.toThrow(/default export must be a function/);
    await expect(materialize(desc)).rejects.toMatchObject({ code: 'ERR_GREEN_SHIP' });
  });
});

describe('callerLocation', () => {
  it('names the calling file and line', () => {
    const where = loadFixture('where.mjs').whereAmI();
    expect(where).toEqual({ file: fixtureUrl('where.mjs'), line: markerLine('where.mjs', '@where') });
  });
});

describe('finding the defining script', () => {
  // Counts the debugger's enabling: the in-process inspector session is Node's one Session class.
  async function debuggerEnables<T>(body: () => T | Promise<T>): Promise<{ value: T; enables: number }> {
    const { Session } = await import('node:inspector');
    const post = Session.prototype.post;
    let enables = 0;
    Session.prototype.post = function (this: unknown, method: string, ...rest: unknown[]) {
      if (method === 'Debugger.enable') enables++;
      return (post as (...a: unknown[]) => unknown).call(this, method, ...rest);
    } as typeof post;
    try {
      return { value: await body(), enables };
    } finally {
      Session.prototype.post = post;
    }
  }

  async function freshModule(source: string): Promise<{ url: string; mod: Record<string, Function> }> {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { pathToFileURL } = await import('node:url');
    const path = join(mkdtempSync(join(tmpdir(), 'gt-locate-')), 'defs.mjs');
    writeFileSync(path, source);
    // Loaded by Node itself (vitest would transform an import()), as in production.
    const { createRequire } = await import('node:module');
    return { url: pathToFileURL(path).href, mod: createRequire(import.meta.url)(path) };
  }

  it('reads the spawning file from disk when it holds the function where V8 says, without the debugger', async () => {
    const { url, mod } = await freshModule('const K = 5;\nexport function times(x) {\n  return x * K;\n}\n');
    const { value: desc, enables } = await debuggerEnables(() => describeFunction(mod.times!, url, 2));
    expect(enables).toBe(0);
    expect(desc.constants).toEqual([{ name: 'K', value: 5 }]);
    expect((await materialize(desc))(3)).toBe(15);
  });

  it('asks the debugger when the file on disk no longer matches what V8 compiled', async () => {
    const { writeFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { url, mod } = await freshModule('const K = 7;\nexport function times(x) {\n  return x * K;\n}\n');
    // The file changes after it loaded: its text no longer sits where V8 compiled the function.
    writeFileSync(fileURLToPath(url), '// edited\n\nconst K = 9;\nexport function times(x) {\n  return x * K * 2;\n}\n');
    const { value: desc, enables } = await debuggerEnables(() => describeFunction(mod.times!, url, 2));
    expect(enables).toBe(1);
    expect(desc.constants).toEqual([{ name: 'K', value: 7 }]);
    expect((await materialize(desc))(3)).toBe(21);
  });
});
