// fs-extra: a scaffolding step. copySync copies part of a template tree into a
// working directory of the job's own, outputJsonSync writes a manifest, and
// removeSync cleans up: file syscalls all the way.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fse from 'fs-extra';
import { digest, filesUnder } from './digest.js';

export default function job(i, { data, scratch }) {
  const dest = path.join(scratch, `fs-extra-${i}`);
  // Eight of the twenty template directories (200 files), a different eight per job.
  const wanted = new Set(Array.from({ length: 8 }, (_, k) => `dir-${String((i + k) % 20).padStart(2, '0')}`));
  fse.copySync(path.join(data, 'tree'), dest, { filter: (src) => !/dir-\d+$/.test(src) || wanted.has(path.basename(src)) });
  const files = filesUnder(dest);
  fse.outputJsonSync(path.join(dest, 'meta', 'manifest.json'), { job: i, files });
  const manifest = fse.readJsonSync(path.join(dest, 'meta', 'manifest.json'));
  const sample = fse.readFileSync(path.join(dest, files[i % files.length]));
  fse.removeSync(dest);
  return { files: manifest.files.length, list: digest(files), sample: digest(sample), removed: !existsSync(dest) };
}
