// cross-spawn: the spawnSync replacement many CLIs use to run tools, here a
// short pipeline of coreutils, one synchronous child process per call.
import path from 'node:path';
import crossSpawn from 'cross-spawn';
import { digest } from './digest.js';

function run(cmd, args, opts) {
  const r = crossSpawn.sync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

export default function job(i, { data }) {
  const dir = path.join(data, 'tree', `dir-${String(i % 20).padStart(2, '0')}`);
  const names = run('find', ['.', '-type', 'f'], { cwd: dir });
  const sorted = run('sort', [], { input: names });
  const md5 = run('md5sum', ['file-02.txt', 'file-03.txt', 'file-04.txt'], { cwd: dir });
  const head = run('head', ['-c', '300', 'file-05.txt'], { cwd: dir });
  const counted = run('wc', ['-w'], { input: head });
  const shell = run('sh', ['-c', `cat file-1*.txt | tr -s ' ' '\\n' | sort | uniq -c | sort -rn | head -3`], { cwd: dir });
  return { sorted: digest(sorted), md5: digest(md5), words: counted.trim(), top: digest(shell) };
}
