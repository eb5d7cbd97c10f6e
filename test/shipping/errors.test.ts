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
  it('a closure over a local let of an enclosing function', () => {
    const err = thrown(() => describeFunction(bad.makeClosure(), file, CALL_LINE));
    expectClosure(err, 'local', '@local-let', /a local `let` of an enclosing function/);
  });

  it('a closure over a parameter', () => {
    const err = thrown(() => describeFunction(bad.makeParamClosure(1), file, CALL_LINE));
    expectClosure(err, 'step', '@param', /a parameter of an enclosing function/);
  });

  it('a local that shadows a shippable top-level function', () => {
    const err = thrown(() => describeFunction(bad.makeShadowed(), file, CALL_LINE));
    expectClosure(err, 'helper', '@shadow', /a local `const`/);
    // while the top-level one ships
    expect(describeFunction(bad.usesHelper, file).declarations.map((d: { name: string }) => d.name)).toEqual(['helper']);
  });

  it('a top-level let', () => {
    const err = thrown(() => describeFunction(bad.usesTopLet, file, CALL_LINE));
    expectClosure(err, 'counter', '@top-let', /a top-level `let`, which is mutable state/);
  });

  it('a top-level const holding an object', () => {
    const err = thrown(() => describeFunction(bad.usesTopObject, file, CALL_LINE));
    expectClosure(err, 'settings', '@top-object', /a top-level const holding an object/);
  });

  it('a top-level const computed at load time', () => {
    const err = thrown(() => describeFunction(bad.usesComputed, file, CALL_LINE));
    expectClosure(err, 'startedAt', '@top-computed', /computed when its module ran/);
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
