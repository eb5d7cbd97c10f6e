// fast-glob: a build tool collecting its inputs with fg.sync, here over this
// repository's node_modules (read-only; dot directories, such as caches that
// may change while the benchmark runs, are left out).
import path from 'node:path';
import fg from 'fast-glob';
import { digest } from './digest.js';

const PATTERNS = [['**/*.js'], ['**/*.{ts,mts,cts}'], ['**/package.json', '**/*.md']];

export default function job(i, { root }) {
  const found = fg.sync(PATTERNS[i % PATTERNS.length], { cwd: path.join(root, 'node_modules'), ignore: ['**/test/**'], dot: false }).sort();
  return { count: found.length, digest: digest(found) };
}
