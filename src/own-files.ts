/**
 * Files of greenthread's own build, by their path under `dist/`.
 *
 * The build bundles the code of most modules into shared chunks
 * (`dist/chunks/`, see scripts/build.mjs), so a module's own URL does not say
 * where its neighbours are: paths to files started by path (a carrier's
 * entry, the spawner) or loaded lazily are taken from `dist/` instead.
 *
 * Runs on any thread.
 */
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = import.meta.url;
const at = here.lastIndexOf('/dist/');
if (at < 0) throw new Error(`greenthread: runs from its built dist/ directory, not from ${here}`);
const DIST = new URL(here.slice(0, at + '/dist/'.length));

/** The URL of `dist/<rel>`, as in ownFile('carrier/entry.js'). */
export function ownFile(rel: string): URL {
  return new URL(rel, DIST);
}

/** The path of `dist/<rel>`. */
export function ownPath(rel: string): string {
  return fileURLToPath(ownFile(rel));
}

/** The package's root directory (the one holding dist/ and package.json), with a trailing separator. */
export const PACKAGE_DIR = fileURLToPath(new URL('../', DIST));

/** greenthread's own source and build directories, with a trailing separator: stack frames in them are greenthread's, not the caller's. */
export const OWN_DIRS = [join(PACKAGE_DIR, 'src') + sep, join(PACKAGE_DIR, 'dist') + sep];

/** The modules of greenthread's public API (its package exports), under dist/. */
export const OWN_API = ['index.js', 'fibers/index.js', 'fibers/future-entry.js'] as const;
