// Green threads that each work in their own directory: every one
// process.chdir()s into its own project and then uses relative paths with
// fs and child_process, as a build script would. Worker threads cannot chdir;
// under greenthread each green thread has its own working directory, and the
// process's never moves.
//
//   npx greenthread run examples/workdirs.mjs 6
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'greenthread';

const n = Number(process.argv[2] ?? 4);
const startedIn = process.cwd();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-workdirs-'));

/** A "build" of project `name`: everything relative to the project's directory. */
function build(root, name) {
  fs.mkdirSync(path.join(root, name, 'src'), { recursive: true });
  process.chdir(path.join(root, name));
  for (let i = 0; i < 3; i++) fs.writeFileSync(`src/part${i}.js`, `export const ${name}${i} = ${i};\n`);
  // A slow tool, as a build step would run one; only this green thread waits for it.
  execSync('sleep 0.3');
  fs.mkdirSync('dist', { recursive: true });
  const parts = fs.readdirSync('src').sort().map((f) => fs.readFileSync(path.join('src', f), 'utf8'));
  fs.writeFileSync('dist/bundle.js', parts.join(''));
  const size = execSync('wc -c < dist/bundle.js').toString().trim();
  return `${name}: built in ${path.relative(root, process.cwd())}/, dist/bundle.js is ${size} bytes (pwd of its shell: ${path.basename(execSync('pwd').toString().trim())})`;
}

const started = Date.now();
const builds = Array.from({ length: n }, (_, i) => spawn(build, root, `project${i}`));
for (const b of builds) console.log(b.wait());
console.log(`${n} builds with a 300 ms step each took ${Date.now() - started} ms`);
console.log(`this green thread is still in ${process.cwd() === startedIn ? 'the directory it started in' : 'another directory'}: ${process.cwd()}`);
fs.rmSync(root, { recursive: true, force: true });
