// legacy: helpers the jobs share. A job returns short digests and counts, not
// the data itself: its result crosses to the parent as one JSON line, and
// equal digests are enough to show both ways computed the same thing.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** The first 16 hex digits of the SHA-256 of a string, a Buffer, or anything JSON can write. */
export function digest(x) {
  const data = typeof x === 'string' || Buffer.isBuffer(x) ? x : JSON.stringify(x);
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** Every file under `dir`, as sorted paths relative to it (so they do not name a per-process directory). */
export function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}
