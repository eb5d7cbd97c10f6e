/**
 * The late-patch warning: monkeyPatch() after other modules loaded cannot
 * reach the functions they already copied (`const { execSync } =
 * require('child_process')`, graceful-fs, fast-glob's fs adapter), so it
 * says once which modules those are.
 *
 * It sees CommonJS modules (require.cache). ES modules are not listed: their
 * named imports of builtins follow the patch anyway (syncBuiltinESMExports),
 * and only a copy made in a module's body escapes it.
 *
 * Runs on every thread.
 */
import Module from 'node:module';
import path from 'node:path';
import { PACKAGE_DIR } from '../own-files.js';

/** greenthread's own files: loading them first is the point. */
const OWN_DIR = path.join(PACKAGE_DIR, 'dist');
/** Loaders that run before any app code and never touch patched modules' functions. */
const LOADERS = /[\\/]node_modules[\\/](?:tsx|esbuild|@esbuild|get-tsconfig|resolve-pkg-maps|source-map-support|ts-node|@swc)[\\/]/;
const SHOWN = 8;

let warned = false;

/** Modules fully loaded before this call, by path, except greenthread's and loaders'. */
export function loadedBeforePatch(): string[] {
  const cache = (Module as unknown as { _cache: Record<string, { loaded: boolean } | undefined> })._cache;
  const out: string[] = [];
  for (const [file, mod] of Object.entries(cache)) {
    // Modules still loading are the ones calling monkeyPatch() right now.
    if (!mod?.loaded || file.startsWith(OWN_DIR + path.sep) || LOADERS.test(file)) continue;
    out.push(file);
  }
  return out;
}

/** Warns once per thread if modules were loaded before the first monkeyPatch(). */
export function warnLatePatch(): void {
  if (warned) return;
  warned = true;
  const early = loadedBeforePatch();
  if (early.length === 0) return;
  const cwd = process.cwd();
  const names = early.slice(0, SHOWN).map((f) => (f.startsWith(cwd + path.sep) ? path.relative(cwd, f) : f));
  const more = early.length > SHOWN ? ` and ${early.length - SHOWN} more` : '';
  process.emitWarning(
    `monkeyPatch() ran after these modules loaded: ${names.join(', ')}${more}. ` +
      'Functions they copied from fs, child_process or dns when they loaded stay unpatched. ' +
      'Call monkeyPatch() before other imports, or start the app with `greenthread run app.js`.',
    { code: 'ERR_GREEN_LATE_PATCH' },
  );
}
