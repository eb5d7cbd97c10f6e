// adm-zip: packing directories into a zip in memory (deflate in JavaScript
// and zlib) and reading it back: a backup or export step.
import path from 'node:path';
import AdmZip from 'adm-zip';
import { digest } from './digest.js';

export default function job(i, { data }) {
  const zip = new AdmZip();
  for (let k = 0; k < 4; k++) {
    const name = `dir-${String((i + k) % 20).padStart(2, '0')}`;
    zip.addLocalFolder(path.join(data, 'tree', name), name);
  }
  const buf = zip.toBuffer();
  const back = new AdmZip(buf);
  const entries = back.getEntries().filter((e) => !e.isDirectory).map((e) => [e.entryName, digest(e.getData())]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { entries: entries.length, contents: digest(entries) };
}
