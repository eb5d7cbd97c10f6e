// execa: a release script running small commands with execaSync, some fed
// through stdin, each one a child process that blocks the caller.
import path from 'node:path';
import { execaSync } from 'execa';
import { digest } from './digest.js';

export default function job(i, { data }) {
  const dir = path.join(data, 'tree', `dir-${String(i % 20).padStart(2, '0')}`);
  const ls = execaSync('ls', ['-1', dir]);
  const sorted = execaSync('sort', ['-r'], { input: ls.stdout });
  const sums = execaSync('sha256sum', ls.stdout.split('\n').slice(0, 5), { cwd: dir });
  const wc = execaSync('wc', ['-l', 'file-00.txt', 'file-01.txt'], { cwd: dir });
  const upper = execaSync('tr', ['a-z', 'A-Z'], { input: `job ${i}` });
  const math = execaSync('sh', ['-c', `echo $((${i} * 7))`]);
  return { sorted: digest(sorted.stdout), sums: digest(sums.stdout), wc: digest(wc.stdout), upper: upper.stdout, math: math.stdout };
}
