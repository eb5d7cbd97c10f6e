// shelljs: a build-script step. sh.exec runs a command synchronously (shelljs
// starts a node child that runs it and writes its output to files); ls -R,
// cat and grep read a directory tree in-process.
import path from 'node:path';
import sh from 'shelljs';
import { digest } from './digest.js';

export default function job(i, { data }) {
  const dir = path.join(data, 'tree', `dir-${String(i % 20).padStart(2, '0')}`);
  const listed = sh.ls('-R', path.join(data, 'tree'));
  const text = sh.cat(listed.filter((f) => f.startsWith(path.basename(dir) + '/')).map((f) => path.join(data, 'tree', f)));
  const hits = sh.grep('carrier', path.join(dir, 'file-00.txt'));
  const sums = sh.exec(`cd '${dir}' && sha256sum file-0*.txt && ls | wc -l`, { silent: true });
  if (sums.code !== 0) throw new Error(`sh.exec failed: ${sums.stderr}`);
  return { listed: listed.length, cat: digest(text.toString()), grep: digest(hits.toString()), sums: digest(sums.stdout) };
}
