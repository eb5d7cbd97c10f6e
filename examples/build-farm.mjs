// A legacy build script, unchanged blocking libraries and all: for each
// project it copies a template (fs-extra), finds its sources (fast-glob),
// counts lines (shelljs), runs a compiler-like child (execSync), and hashes
// the result. Run with `greenthread run`, the projects build one after
// another and then all at once, each in a green thread: the libraries' sync
// calls park only their own green thread, children start in the small
// spawner process, and CPU work runs on a few warm carriers.
//
//   npx greenthread run examples/build-farm.mjs [projects]
import { execSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import fse from 'fs-extra';
import shell from 'shelljs';
import { spawn } from 'greenthread';

const projects = Number(process.argv[2] ?? 12);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'build-farm-'));

/** Builds project `n` under `root`: the same steps a Makefile-era script would take. */
function build(root, n) {
  const dir = path.join(root, `project-${n}`);
  fse.removeSync(dir);
  fse.copySync(path.join(root, 'template'), dir);
  const sources = fg.sync('**/*.txt', { cwd: dir }).sort();
  const lines = shell.cat(sources.map((f) => path.join(dir, f))).split('\n').length - 1;
  execSync(`sleep 0.3 && cat ${sources.join(' ')} > bundle.out`, { cwd: dir });
  const digest = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'bundle.out'))).digest('hex').slice(0, 12);
  fse.removeSync(dir);
  return `project ${n}: ${sources.length} sources, ${lines} lines, bundle ${digest}`;
}

// The template every project starts from: 40 source files.
for (let i = 0; i < 40; i++) fse.outputFileSync(path.join(work, 'template', `src/part-${i}.txt`), `part ${i}\n`.repeat(200));

try {
  let t0 = performance.now();
  const serial = [];
  for (let n = 0; n < projects; n++) serial.push(build(work, n));
  const serialMs = performance.now() - t0;

  t0 = performance.now();
  const green = await Promise.all(Array.from({ length: projects }, (_, n) => spawn(build, work, n).result));
  const greenMs = performance.now() - t0;

  console.log(green.join('\n'));
  console.log(`results: ${JSON.stringify(green) === JSON.stringify(serial) ? 'the same both ways' : 'DIFFERENT'}`);
  console.log(`${projects} projects one after another: ${Math.round(serialMs)} ms; all at once in green threads: ${Math.round(greenMs)} ms (${(serialMs / greenMs).toFixed(1)}x)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
