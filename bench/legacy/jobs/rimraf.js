// rimraf: a clean step. The job lays out a build directory with plain
// blocking fs calls (as the build that made it did), then rimrafSync
// deletes it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rimrafSync } from 'rimraf';

export default function job(i, { scratch }) {
  const dir = path.join(scratch, `rimraf-${i}`);
  let files = 0;
  for (let d = 0; d < 12; d++) {
    const sub = path.join(dir, `pkg-${d}`, 'dist', 'lib');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 40; f++, files++) writeFileSync(path.join(sub, `m${f}.js`), `export const v = ${i * 1000 + d * 40 + f};\n`);
  }
  const removed = rimrafSync(dir);
  return { files, removed, gone: !existsSync(dir) };
}
