// monkeyPatch() called inside a green thread patches every carrier, as a
// monkeyPatch() at the top of an app run by `greenthread run` must.
// Its own file: its own process, starting unpatched.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/patches/cp-tasks.mjs');

describe('monkeyPatch in a green thread', () => {
  it('reaches every carrier, running and new, and the hub is told', async () => {
    gt.configure({ minCarriers: 3 });
    expect(await gt.spawn(t.checkPatched).result).toBe(false);
    expect(await gt.spawn(t.patchFromGreenThread).result).toBe(true);
    // Several at once: some run on carriers that were idle, some on new ones.
    const checks = await Promise.all(Array.from({ length: 6 }, () => gt.spawn(t.checkPatched).result));
    expect(checks).toEqual([true, true, true, true, true, true]);
    expect(gt.isPatched('child_process')).toBe(false); // the hub's own module objects are its own
  });
});
