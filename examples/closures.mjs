// Ordinary closures in green threads: a checksum job over this repository's
// source files, written the way one writes it for a single thread. The
// options, the list of files and the helpers are closed over, not passed;
// progress is reported through a callback that updates the hub's own state.
//
//   node examples/closures.mjs
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'greenthread';

const ROOT = fileURLToPath(new URL('../src/', import.meta.url)); // computed: captured by value
const options = { algorithm: 'sha256', chunk: 4 }; // an object: copied to each green thread
let filesHashed = 0; // state of the hub, changed only on the hub

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

// Counts in module state: green threads call it, and it runs on the hub.
function countFile() {
  filesHashed++;
}

function hashAll(files, report) {
  // A parameter, a closure over it, and a module function: all travel with the spawned function.
  const digest = (path) => createHash(options.algorithm).update(readFileSync(path)).digest('hex').slice(0, 12);
  return spawn(() =>
    files.map((path) => {
      countFile();
      report(`${relative(ROOT, path)} ${digest(path)}`);
      return digest(path);
    }),
  ).result;
}

const files = listFiles(ROOT).filter((f) => f.endsWith('.ts')).sort();
const lines = [];
const batches = [];
for (let i = 0; i < files.length; i += Math.ceil(files.length / options.chunk)) {
  batches.push(files.slice(i, i + Math.ceil(files.length / options.chunk)));
}
const digests = (await Promise.all(batches.map((batch) => hashAll(batch, (line) => lines.push(line))))).flat();

const same = digests.every((d, i) => d === createHash('sha256').update(readFileSync(files[i])).digest('hex').slice(0, 12));
console.log(`${files.length} files hashed in ${batches.length} green threads; counted on the hub: ${filesHashed}; reported lines: ${lines.length}`);
console.log(`digests match a single-threaded run: ${same}`);
