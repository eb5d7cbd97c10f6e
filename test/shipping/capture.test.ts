import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureUrl, loadFixture, markerLine } from './helpers.js';

// The fixture spawns from its own module, loaded by Node itself (see helpers.ts).
const fx = loadFixture('capture.mjs');

describe('a spawned function captures by value', () => {
  it('module constants computed by an expression, a template, process.env, a never-assigned let, an object', async () => {
    expect(await fx.constants()).toEqual(['https://example.com/x', 6, process.env.HOME, 'limit 6', 'read only', 3, ['a']]);
  });

  it('a value that cannot be copied but is computed from imports is computed again (promisify(setTimeout))', async () => {
    expect(await fx.recomputed()).toBe('function');
  });

  it('a value computed again is made once per carrier, not at each call', async () => {
    for (const [pid, isTracker, made] of await fx.madeOnce()) {
      expect(pid).toBe(process.pid);
      expect(isTracker).toBe(true);
      expect(made).toBe(1);
    }
  });

  it('the values it had when spawned: a later change on the hub is not seen', async () => {
    expect(await fx.snapshot()).toBe(1);
  });

  it('each turn of a for (let ...) loop gives its own value', async () => {
    expect(await fx.loop()).toEqual([0, 10, 20]);
  });

  it('a green thread spawns a closure over its own local', async () => {
    expect(await fx.spawnedFromGreenThread()).toBe(21);
  });

  it('hub objects it captures stay themselves', async () => {
    expect(await fx.hubObject()).toBe('set');
  });

  it('of an object that cannot be copied whole, the properties the function reads are copied', async () => {
    expect(await fx.propertiesOfUncopyable()).toEqual([42, 'a']);
  });

  it('the `this` of an enclosing method is refused with the fix', () => {
    let err: any;
    try {
      new fx.Job().run();
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('ERR_GREEN_CLOSURE');
    expect(err.identifier).toBe('this');
    expect(err.message).toMatch(/read what you need first \(const \{ size \} = this\)/);
  });

  it('a captured object that cannot be copied is refused at spawn, naming it and what it holds', () => {
    let err: any;
    try {
      fx.uncopyableLocal();
    } catch (e) {
      err = e;
    }
    expect(err?.code).toBe('ERR_GREEN_CLOSURE');
    expect(err.identifier).toBe('socket');
    expect(err.message).toMatch(/holds a Socket, which cannot be copied/);
  });
});

describe('functions among its values', () => {
  it('a callback given to a function that spawns it (as fibers libraries do) runs in the green thread', async () => {
    expect(await fx.callerCallback(41)).toEqual([42, true]);
  });

  it('a pure function passed as an argument ships and runs in the green thread', async () => {
    expect(await fx.shippedCallback()).toEqual([46, true]);
  });

  it('one that changes state of the hub runs on the hub, called from the green thread', async () => {
    expect(await fx.hubCallback()).toEqual({ lines: ['one', 'two'], sides: [false, false] });
  });

  it('a module function that assigns module state runs on the hub', async () => {
    expect(await fx.stateHelper()).toEqual([3, 2]);
  });

  it('an async callback on the hub is awaited; its error reaches the green thread as itself', async () => {
    expect(await fx.asyncHubCallback()).toBe('k! 1');
    expect(await fx.hubCallbackError()).toEqual(['TypeError', 'boom on the hub']);
  });

  it("greenthread's own functions among the values are the green thread's own", async () => {
    expect(await fx.ownApiValue()).toBe(true);
  });

  it('functions that capture functions, at any depth', async () => {
    expect(await fx.nested()).toBe(41);
  });
});

describe('errors keep their class', () => {
  it('a library\'s own error and the module\'s own error class, through result, wait() and runInHub', async () => {
    expect(await fx.errorClasses()).toEqual([
      ['YAMLException', true, false, null, 'object'],
      ['QuotaError', false, true, 7, 'undefined'],
      ['QuotaError', true, 8],
      ['QuotaError', true, 9],
    ]);
  });
});

describe('stack traces of shipped code', () => {
  it('name the lines and columns of the user\'s own file, for the function and the functions shipped with it', async () => {
    const stack: string = await fx.stackOfFailure();
    const file = fixtureUrl('capture.mjs');
    expect(stack).toContain(`at failDeep (${file}:${markerLine('capture.mjs', '@throws-deep')}:9)`);
    expect(stack).toContain(`${file}:${markerLine('capture.mjs', '@calls-deep')}:15)`);
  });
});

describe('under greenthread run (the app is a green thread)', () => {
  it('closures ship from the app; a callback that changes the app\'s state is refused with the way out', () => {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'run', fixture('run-closures.mjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const [first, second] = r.stdout.trim().split('\n');
    expect(JSON.parse(first)).toEqual([
      ['https://example.com/x1', 'item 1'],
      ['https://example.com/x2', 'item 2'],
    ]);
    expect(second).toBe('ERR_GREEN_CLONE true true');
  }, 60_000);
});

describe('code without a file', () => {
  it('node -e: the script\'s own bindings are captured, and the builtin modules it sees as globals are imported', () => {
    const script = `
      const { spawn } = require(${JSON.stringify(fixture('../../../dist/index.js'))});
      const base = 40;
      function inc(n) { return n + 1; }
      spawn(() => [inc(base) + 1, fs.existsSync('/'), path.basename('/a/b.txt')]).result.then((v) => console.log(JSON.stringify(v)));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([42, true, 'b.txt']);
  }, 60_000);
});
