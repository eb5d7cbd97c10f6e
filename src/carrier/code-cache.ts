/**
 * A code cache for large CommonJS files, for Node versions without
 * `module.enableCompileCache` (Node 20): every carrier loads its green
 * threads' libraries again, and for a big file (typescript.js is 9 MB) most
 * of that load is V8 compiling it. The first carrier to load such a file
 * keeps V8's code cache for it on disk, keyed by the file's content; every
 * later carrier, and the next process, compiles from it.
 *
 * Only files of at least MIN_BYTES take this path, and only when nothing
 * else needs Node's own compile step: not the main module, no policy, no
 * source maps, no --inspect-brk, no dynamic `import()` in the file (see
 * mayImportDynamically). A file V8 cannot compile as a script (ES
 * module syntax) goes to Node's own loader, which decides. What differs
 * from Node's own `_compile` otherwise: the module's `require` is built the
 * documented way (resolve, resolve.paths, main, extensions, cache).
 *
 * Runs on a carrier only.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

// Loaded at the first large file, not at every carrier's start.
const requireHere = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;
let vm: typeof import('node:vm') | undefined;

/** Smaller files compile in about the time it takes to hash and read a cache entry. */
const MIN_BYTES = 32 * 1024;

type CjsModule = Module & {
  _compile(content: string, filename: string, format?: string): unknown;
  require(id: string): unknown;
};
interface ModuleStatics {
  prototype: CjsModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}
const M = Module as unknown as ModuleStatics;

function cacheDir(): string {
  return path.join(os.tmpdir(), 'greenthread-code-cache', `${process.version}-${process.arch}`);
}

/** Whether Node's own compile step must run: features this path does not reproduce. */
function needsNodeCompile(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return (
    (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true ||
    flags.some((f) => /^--(enable-source-maps|inspect-brk|experimental-policy|experimental-permission|permission)/.test(f))
  );
}

/**
 * Whether the file may call `import()`. Node 20's V8 loses a script's
 * dynamic-import callback when the script is compiled from cached data in
 * another isolate ("A dynamic import callback was not specified" at the
 * first import()), so such files compile as Node does. The test is by text:
 * an `import(` not preceded by a name, a dot or a quote, outside what looks
 * like a string on its line (an odd count of one kind of quote before it:
 * typescript.js names `import(` in its messages). A comment that mentions
 * one only costs the cache for that file.
 */
export function mayImportDynamically(content: string): boolean {
  const re = /(?:^|[^\w$.'"`])import\s*\(/gm;
  for (let m = re.exec(content); m !== null; m = re.exec(content)) {
    const before = content.slice(content.lastIndexOf('\n', m.index) + 1, m.index + 1);
    const inString = ["'", '"', '`'].some((q) => (before.split(q).length - before.split(`\\${q}`).length) % 2 === 1);
    if (!inString) return true;
  }
  return false;
}

function makeRequire(mod: CjsModule): NodeJS.Require {
  const require = function require(id: string) {
    return mod.require(id);
  } as NodeJS.Require;
  const resolve = function resolve(request: string, options?: { paths?: string[] }) {
    if (typeof request !== 'string') throw new TypeError(`The "request" argument must be of type string. Received ${typeof request}`);
    return M._resolveFilename(request, mod, false, options);
  } as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions as NodeJS.RequireExtensions;
  require.cache = M._cache as NodeJS.Dict<NodeModule>;
  return require;
}

/** Installs the cache for this carrier's CommonJS loads. */
export function installCodeCache(): void {
  if (needsNodeCompile()) return;
  const dir = cacheDir();
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch {
    return; // no writable tmpdir: compile as Node does
  }
  const original = M.prototype._compile;
  M.prototype._compile = function compile(this: CjsModule, content: string, filename: string, format?: string): unknown {
    if (content.length < MIN_BYTES || (format !== undefined && format !== 'commonjs') || process.mainModule === this || mayImportDynamically(content)) {
      return original.call(this, content, filename, format);
    }
    crypto ??= requireHere('node:crypto') as typeof import('node:crypto');
    vm ??= requireHere('node:vm') as typeof import('node:vm');
    const key = crypto.createHash('sha1').update(filename).update('\0').update(content).digest('hex');
    const file = path.join(dir, key);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(file);
    } catch {
      // not cached yet
    }
    let script: import('node:vm').Script;
    try {
      script = new vm.Script(M.wrap(content), { filename, cachedData });
    } catch {
      // ES module syntax in a .js file, or a real syntax error: Node's loader decides and reports.
      return original.call(this, content, filename, format);
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as Function;
    const result = Reflect.apply(wrapper, this.exports, [this.exports, makeRequire(this), this, filename, path.dirname(filename)]);
    if (cachedData === undefined || script.cachedDataRejected) {
      // After running, so that the functions it ran at load are in the cache too.
      try {
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, file);
      } catch {
        // a full disk only costs speed
      }
    }
    return result;
  };
}
