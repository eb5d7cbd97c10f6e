// What the fs benchmark times, on whichever thread imports it: a plain
// worker (Node's own fs) or a green thread (the patched fs).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { getOriginal, isPatched, runInHub } from '../../dist/index.js';
import { median } from '../lib/common.js';

/** The calls timed, each on the files `prepare` made in `dir` (relative names when `chdir`). */
function calls() {
  return {
  statSync: (p) => fs.statSync(p('file.txt')),
  existsSync: (p) => fs.existsSync(p('file.txt')),
  'readFileSync 4 KB': (p) => fs.readFileSync(p('file.txt')),
  'readdirSync 20': (p) => fs.readdirSync(p('dir')),
  'open+read+close': (p) => {
    const fd = fs.openSync(p('file.txt'), 'r');
    fs.readSync(fd, Buffer.allocUnsafe(512), 0, 512, 0);
    fs.closeSync(fd);
  },
  };
}

export function prepare(dir) {
  fs.mkdirSync(path.join(dir, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'file.txt'), Buffer.alloc(4096, 'x'));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, 'dir', `e${i}`), '');
}

/**
 * Microseconds per call, the median of `repeats` batches of `n` calls, for
 * each call. `chdir`: process.chdir(dir) first and use relative paths (only
 * a green thread can).
 */
export function timeCalls(dir, n, repeats, chdir) {
  if (chdir) process.chdir(dir);
  const p = chdir ? (name) => name : (name) => path.join(dir, name);
  const out = {};
  for (const [name, call] of Object.entries(calls())) {
    for (let i = 0; i < Math.min(n, 200); i++) call(p); // warm up
    const batches = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) call(p);
      batches.push(((performance.now() - t0) * 1000) / n);
    }
    out[name] = median(batches);
  }
  return out;
}

/** Writes `count` small CommonJS modules and an index that requires them all. */
export function writeModules(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [];
  for (let i = 0; i < count; i++) {
    fs.writeFileSync(path.join(dir, `m${i}.js`), `const path = require('path');\nmodule.exports = { id: ${i}, name: path.basename(__filename) };\n`);
    lines.push(`require('./m${i}.js')`);
  }
  fs.writeFileSync(path.join(dir, 'index.js'), `module.exports = [${lines.join(',\n')}].length;\n`);
}

/** Milliseconds to require the index `writeModules` made (a cold module cache for that directory). */
export function timeRequire(dir) {
  const req = createRequire(path.join(dir, 'index.js'));
  const t0 = performance.now();
  const n = req('./index.js');
  const ms = performance.now() - t0;
  if (typeof n !== 'number') throw new Error('modules did not load');
  return ms;
}

/**
 * timeRequire with Node's own fs functions put back for the duration (in a
 * green thread): the same thread and carrier, only the patch taken away.
 */
export function timeRequireUnpatched(dir) {
  const swapped = Object.keys(fs).filter((n) => typeof fs[n] === 'function' && isPatched('fs', n));
  const green = new Map(swapped.map((n) => [n, fs[n]]));
  for (const n of swapped) fs[n] = getOriginal('fs', n);
  try {
    return timeRequire(dir);
  } finally {
    for (const n of swapped) fs[n] = green.get(n);
  }
}

/** In one green thread, alternately: timeRequire and timeRequireUnpatched over `dir`/g<i> and `dir`/b<i>. */
export function timeRequireAlternating(dir, loads) {
  const out = { patched: [], unpatched: [] };
  for (let i = 0; i < loads; i++) {
    // Which goes first alternates too, so neither always meets a colder cache.
    const patched = () => out.patched.push(timeRequire(path.join(dir, `mods-g${i}`)));
    const unpatched = () => out.unpatched.push(timeRequireUnpatched(path.join(dir, `mods-b${i}`)));
    if (i % 2) {
      unpatched();
      patched();
    } else {
      patched();
      unpatched();
    }
  }
  return out;
}

/** Runs on the hub: one statSync. */
export function statOnHub(file) {
  return fs.statSync(file).size;
}

/** Microseconds per statSync parked on the hub (runInHub): what parking every fs call would cost. */
export function timeOnHub(file, n) {
  for (let i = 0; i < 50; i++) runInHub(statOnHub, file);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) runInHub(statOnHub, file);
  return ((performance.now() - t0) * 1000) / n;
}
