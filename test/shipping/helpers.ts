import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of a fixture under test/fixtures/shipping. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/shipping/${name}`, import.meta.url));
}

export function fixtureUrl(name: string): string {
  return pathToFileURL(fixture(name)).href;
}

// vitest transforms what it imports (imports become __vi_import_N__), so fixtures are loaded
// by Node itself: fn.toString() is then the fixture's own text, as in production.
const nativeRequire = createRequire(import.meta.url);
export function loadFixture<T = Record<string, any>>(name: string): T {
  return nativeRequire(fixture(name)) as T;
}

/** 1-based line of the first line of a fixture containing `marker`. */
export function markerLine(name: string, marker: string): number {
  const line = readFileSync(fixture(name), 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
  if (line === 0) throw new Error(`no ${marker} in ${name}`);
  return line;
}

/** `file:line` as shipping errors show it (path relative to the cwd). */
export function shownAt(name: string, line: number): string {
  return `${relative(process.cwd(), fixture(name))}:${line}`;
}
