// legacy: the inputs the jobs read, written once per run by run.js into a
// temporary directory that every job process shares read-only. Everything is
// generated from a fixed seed, so the serial and the green processes (and
// every run) see the same bytes, and the jobs' results can be compared.
//
//   doc.yaml   about 1 MB of service records (js-yaml)
//   doc.md     about 0.4 MB of Markdown with lists, tables, code and links (markdown-it)
//   tree/      500 text files in 20 directories, about 3.5 MB (fs-extra, adm-zip, shelljs, ...)
//   ts/        a copy of this repository's src/**/*.ts, taken once (typescript)
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A small seeded generator (mulberry32): the same sequence on every machine. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ' +
  'enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure in ' +
  'reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa ' +
  'qui officia deserunt mollit anim id est laborum server queue socket thread carrier hub module legacy record'
).split(' ');

function words(rand, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return out.join(' ');
}

const pick = (rand, xs) => xs[Math.floor(rand() * xs.length)];

/** Block-style YAML with maps, flow lists, folded strings, quoted strings, numbers and an anchor. */
export function yamlDoc(records = 2400) {
  const rand = prng(1);
  const out = ['# service catalogue (generated)', 'version: 3', 'defaults: &defaults', '  retries: 3', '  timeout: 2.5', '  region: eu-west', 'services:'];
  for (let i = 0; i < records; i++) {
    out.push(
      `  - name: svc-${String(i).padStart(5, '0')}`,
      `    id: ${i}`,
      `    enabled: ${rand() < 0.8}`,
      `    weight: ${(rand() * 100).toFixed(3)}`,
      `    tags: [${words(rand, 3).split(' ').join(', ')}]`,
      '    owner:',
      `      team: team-${Math.floor(rand() * 40)}`,
      `      email: "owner${i}@example.com"`,
      '    description: >',
      `      ${words(rand, 12)}`,
      `      ${words(rand, 10)}`,
      '    ports:',
      `      - ${8000 + Math.floor(rand() * 1000)}`,
      `      - ${9000 + Math.floor(rand() * 1000)}`,
      '    settings:',
      '      <<: *defaults',
      `      level: ${pick(rand, ['debug', 'info', 'warn', 'error'])}`,
    );
  }
  return out.join('\n') + '\n';
}

/** Markdown sections: headings, paragraphs with inline markup and links, lists, tables, code, quotes. */
export function markdownDoc(sections = 300) {
  const rand = prng(2);
  const inline = () =>
    words(rand, 30)
      .split(' ')
      .map((w, k) => (k % 11 === 3 ? `*${w}*` : k % 13 === 5 ? `**${w}**` : k % 17 === 7 ? `\`${w}()\`` : k % 19 === 9 ? `[${w}](https://example.com/${w}/${k})` : w))
      .join(' ');
  const out = ['# Handbook (generated)', ''];
  for (let s = 0; s < sections; s++) {
    out.push(`## ${s}. ${words(rand, 4)}`, '', inline(), inline(), '');
    for (let k = 0; k < 4; k++) out.push(`- ${inline().slice(0, 80)}`);
    out.push('', '| key | value | note |', '|---|---:|:---|');
    for (let k = 0; k < 3; k++) out.push(`| ${words(rand, 1)} | ${Math.floor(rand() * 1e6)} | ${words(rand, 4)} |`);
    out.push('', '```js', `function f${s}(x) {`, `  return x * ${s} + ${Math.floor(rand() * 100)};`, '}', '```', '', `> ${inline()}`, '');
  }
  return out.join('\n');
}

/** Writes the text files of tree/: 20 directories of 25 files, 2 to 12 KB each. */
function writeTree(dir) {
  const rand = prng(3);
  for (let d = 0; d < 20; d++) {
    const sub = path.join(dir, `dir-${String(d).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 25; f++) {
      const lines = [];
      const target = 2048 + Math.floor(rand() * 10240);
      let size = 0;
      while (size < target) {
        const line = words(rand, 12);
        lines.push(line);
        size += line.length + 1;
      }
      writeFileSync(path.join(sub, `file-${String(f).padStart(2, '0')}.txt`), lines.join('\n') + '\n');
    }
  }
}

/** Writes every fixture into `dir` (which exists); `repoRoot` is where src/ is copied from. */
export function writeFixtures(dir, repoRoot) {
  writeFileSync(path.join(dir, 'doc.yaml'), yamlDoc());
  writeFileSync(path.join(dir, 'doc.md'), markdownDoc());
  writeTree(path.join(dir, 'tree'));
  // A snapshot: src/ may be edited while the benchmark runs, and both ways must read the same files.
  cpSync(path.join(repoRoot, 'src'), path.join(dir, 'ts'), { recursive: true, filter: (p) => !/\.(js|map)$/.test(p) });
}
