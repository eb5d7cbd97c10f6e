// js-yaml: loading a large configuration file (readFileSync + yaml.load)
// and writing part of it back (yaml.dump): CPU in the parser.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dump, load } from 'js-yaml';
import { digest } from './digest.js';

export default function job(i, { data }) {
  const doc = load(readFileSync(path.join(data, 'doc.yaml'), 'utf8'));
  const mine = doc.services.filter((s) => s.id % 20 === i % 20);
  const dumped = dump({ version: doc.version, services: mine });
  return { services: doc.services.length, enabled: doc.services.filter((s) => s.enabled).length, mine: mine.length, dump: digest(dumped) };
}
