// exec: N blocking `execSync('sleep S')` calls, four ways, in the same run:
//
//   green      monkeyPatch(), then N green threads each calling execSync
//   async      the native async rewrite: Promise.all over execFile('sleep')
//   piscina    piscina running the unpatched execSync, with N threads
//   serial     one after another on the main thread (measured on a few calls
//              and extrapolated to N, which the table says)
//
//   node bench/patches/exec.js [--quick] [--count N] [--seconds S] [--json FILE]
import { execFile, execSync } from 'node:child_process';
import { promisify } from 'node:util';
import Piscina from 'piscina';
import { configure, monkeyPatch, spawn } from '../../dist/index.js';
import { fmt, intOpt, machine, parseBenchArgs, printTable, progress, ratio, runAsMain, writeJson } from '../lib/common.js';

const NAME = 'exec';

/** The legacy call, in a green thread: child_process is patched, so it parks. */
function legacyCall(seconds) {
  return execSync(`sleep ${seconds} && echo ok`).toString().trim();
}

async function run({ quick = false, count, seconds } = {}) {
  count ??= quick ? 50 : 200;
  seconds ??= quick ? 0.2 : 0.5;
  configure({ minCarriers: 2, maxCarriers: Math.max(256, count + 8) });
  monkeyPatch({ childProcess: true });

  progress(NAME, `green: ${count} green threads, each execSync('sleep ${seconds}')`);
  let t0 = performance.now();
  const green = await Promise.all(Array.from({ length: count }, () => spawn(legacyCall, seconds).result));
  const greenMs = performance.now() - t0;
  if (!green.every((v) => v === 'ok')) throw new Error('green: wrong output');

  progress(NAME, 'green again, on the carriers the first run started');
  t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => spawn(legacyCall, seconds).result));
  const greenWarmMs = performance.now() - t0;

  progress(NAME, `async: Promise.all over ${count} execFile calls`);
  const execFileAsync = promisify(execFile);
  t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => execFileAsync('sh', ['-c', `sleep ${seconds} && echo ok`])));
  const asyncMs = performance.now() - t0;

  progress(NAME, `piscina: ${count} threads running the unpatched execSync`);
  const piscina = new Piscina({ filename: new URL('./exec-task.cjs', import.meta.url).href, minThreads: 0, maxThreads: count, idleTimeout: 60_000 });
  t0 = performance.now();
  await Promise.all(Array.from({ length: count }, () => piscina.run(seconds)));
  const piscinaMs = performance.now() - t0;
  await piscina.destroy();

  const sample = Math.min(count, quick ? 3 : 6);
  progress(NAME, `serial: ${sample} calls on the main thread, extrapolated to ${count}`);
  t0 = performance.now();
  for (let i = 0; i < sample; i++) execSync(`sleep ${seconds} && echo ok`);
  const serialMs = ((performance.now() - t0) / sample) * count;

  const result = { name: NAME, count, seconds, greenMs, greenWarmMs, asyncMs, piscinaMs, serialMs, serialSample: sample, machine: machine() };
  printTable(
    `${count} × execSync('sleep ${seconds}'): wall time from the first call to the last result`,
    ['way', 'wall ms', 'vs async rewrite', 'vs serial'],
    [
      ['greenthread: monkeyPatch + green threads (cold pool)', fmt(greenMs, 0), ratio(greenMs, asyncMs), ratio(greenMs, serialMs, 3)],
      ['greenthread: the same, carriers already started', fmt(greenWarmMs, 0), ratio(greenWarmMs, asyncMs), ratio(greenWarmMs, serialMs, 3)],
      ['native async rewrite: Promise.all(execFile)', fmt(asyncMs, 0), '1.00x', ratio(asyncMs, serialMs, 3)],
      [`piscina, ${count} threads, unpatched execSync`, fmt(piscinaMs, 0), ratio(piscinaMs, asyncMs), ratio(piscinaMs, serialMs, 3)],
      [`serial on the main thread (${sample} measured, extrapolated)`, fmt(serialMs, 0), ratio(serialMs, asyncMs), '1.000x'],
    ],
  );
  return result;
}

runAsMain(import.meta.url, async () => {
  const { values } = parseBenchArgs({ count: { type: 'string' }, seconds: { type: 'string' } });
  writeJson(values.json, await run({ quick: values.quick, count: intOpt(values.count, undefined), seconds: values.seconds === undefined ? undefined : Number(values.seconds) }));
});
