import { describe, expect, it } from 'vitest';
import { describeFunction } from '../../dist/shipping/describe.js';
import { GreenClosureError, GreenShipError } from '../../dist/errors.js';
import { fixture, fixtureUrl, loadFixture, markerLine, shownAt } from './helpers.js';

const bad = loadFixture('errors.mjs');
const file = fixtureUrl('errors.mjs');
const CALL_LINE = 40; // below every declaration in errors.mjs

function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

/** Asserts a GreenClosureError naming `identifier` and the fixture line carrying `marker`. */
function expectClosure(err: any, identifier: string, marker: string, why: RegExp, name = 'errors.mjs'): void {
  const location = shownAt(name, markerLine(name, marker));
  expect(err).toBeInstanceOf(GreenClosureError);
  expect(err.code).toBe('ERR_GREEN_CLOSURE');
  expect(err.identifier).toBe(identifier);
  expect(err.location).toBe(location);
  expect(err.message).toContain(`\`${identifier}\` (${location})`);
  expect(err.message).toMatch(why);
}

describe('GreenClosureError', () => {
  it('a green thread assigning a variable of the hub', () => {
    const err = thrown(() => describeFunction(bad.usesTopLet, file, CALL_LINE));
    expectClosure(err, 'counter', '@top-let', /which the function assigns: .*Return the new value instead/);
    expect(err.message).not.toMatch(/pass its value to spawn as an argument/);
  });

  it('reading a variable that is assigned again: the line of the assignment, and the fix', () => {
    const err = thrown(() => describeFunction(bad.readsTopLet, file, CALL_LINE));
    expectClosure(err, 'counter', '@top-let', /assigned again at line \d+, so a green thread would see a stale copy: pass its current value as an argument/);
    const local = thrown(() => describeFunction(bad.makeClosure(), file, CALL_LINE));
    expectClosure(local, 'local', '@local-let', new RegExp(`assigned again at line ${markerLine('errors.mjs', '@local-again')}`));
    // Assigned only before the function is made, in the same function (compiled code's `var x; x = ...`): it ships.
    expect(describeFunction(bad.makeSettled(), file).captures).toEqual([{ name: 'value', outer: false }]);
  });

  it('changing an object of the hub (a copy would change)', () => {
    const err = thrown(() => describeFunction(bad.changesTopObject, file, CALL_LINE));
    expectClosure(err, 'settings', '@top-object', /an object the function changes: .*pass a callback/);
    const local = thrown(() => describeFunction(bad.makeChanger(), file, CALL_LINE));
    expectClosure(local, 'seen', '@local-set', /an object the function changes/);
  });

  it('a top-level object that cannot be copied nor computed again', () => {
    const err = thrown(() => describeFunction(bad.usesConn, file, CALL_LINE));
    expectClosure(err, 'conn', '@top-conn', /holding a Conn built when its module ran, which cannot be copied/);
  });

  it('the CommonJS exports and module objects', () => {
    const cjs = loadFixture('cjs-errors.cjs');
    const err = thrown(() => describeFunction(cjs.usesExports, fixture('cjs-errors.cjs'), CALL_LINE));
    expectClosure(err, 'exports', '@exports', /CommonJS `exports` object/, 'cjs-errors.cjs');
    expect(() => describeFunction(loadFixture('cjs-case.cjs').usesModule, fixture('cjs-case.cjs'))).toThrow(/`module`/);
  });

  it('an identifier declared nowhere: the location is where it is used', () => {
    const err = thrown(() => describeFunction(bad.usesUndeclared, file, CALL_LINE));
    expect(err).toBeInstanceOf(GreenClosureError);
    expect(err.location).toBe(shownAt('errors.mjs', markerLine('errors.mjs', '@undeclared')));
  });

  it('a non-global in code whose module cannot be read', () => {
    const err = thrown(() => describeFunction(new Function('return someLocal'), undefined));
    expect(err).toBeInstanceOf(GreenClosureError);
    expect(err.identifier).toBe('someLocal');
    expect(err.location).toBe('<unknown>');
  });
});

describe('closures that ship', () => {
  it('parameters and locals of enclosing functions, top-level objects and computed constants are captured by value', () => {
    expect(describeFunction(bad.makeParamClosure(1), file).captures).toEqual([{ name: 'step', outer: false }]);
    expect(describeFunction(bad.usesTopObject, file).captures).toEqual([{ name: 'settings', outer: true }]);
    expect(describeFunction(bad.usesComputed, file).captures).toEqual([{ name: 'startedAt', outer: true }]);
    // The local helper is a captured value (a function), the top-level one ships as source.
    expect(describeFunction(bad.makeShadowed(), file).captures).toEqual([{ name: 'helper', outer: false }]);
    expect(describeFunction(bad.usesHelper, file).declarations.map((d: { name: string }) => d.name)).toEqual(['helper']);
  });
});

describe('GreenShipError', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['a native function', () => describeFunction(Math.max, file), /`max` is a native function/],
    ['a bound function', () => describeFunction(bad.bound, file), /`bound add` is a bound function/],
    ['a class', () => describeFunction(bad.Widget, file), /`Widget` is a class/],
    ['a non-function', () => describeFunction(42 as unknown as Function, file), /needs a function/],
    ['import.meta', () => describeFunction(bad.usesMeta, file), /import\.meta/],
  ];
  for (const [what, run, message] of cases) {
    it(what, () => {
      const err = thrown(run);
      expect(err).toBeInstanceOf(GreenShipError);
      expect(err).not.toBeInstanceOf(GreenClosureError);
      expect(err.code).toBe('ERR_GREEN_SHIP');
      expect(err.message).toMatch(message);
    });
  }
});

declare const notDeclaredAnywhere: unknown;
