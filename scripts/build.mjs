// Builds dist/: TypeScript compiles src/ into build/tsc/ (JavaScript, source
// maps and declarations), then rollup bundles that JavaScript into dist/.
//
// Why bundle: Node loads each ES module with a resolve, a read, a compile and
// a link of its own. A carrier (a worker thread) loaded about 35 of them before
// it could run a green thread, and every green thread that imports greenthread
// loads them again in its carrier: in Node 20 that cost more than the worker's
// own start. Bundled, a carrier loads four files.
//
// How: every module stays an entry at its own path under dist/ (the package's
// exports, files started by path such as dist/carrier/entry.js, and modules
// loaded lazily by path all keep working), but the code of the modules moves
// into shared chunks, so each module exists once per thread whichever path
// reached it:
//   dist/chunks/boot.js      what starts a carrier, and the errors: `greenthread run`
//                            starts the application's carrier before loading the rest
//   dist/chunks/runtime.js   the API and what runs both on the hub and in green threads
//   dist/chunks/hub.js       the hub (src/hub/): loaded on the main thread only
//   dist/chunks/carrier.js   a carrier's own code (src/carrier/, fibers' carrier side)
//   describe                 what turns a function into something to ship: loaded on
//                            the first spawn of a function (rollup names this chunk
//                            after one of its entries, dist/shipping/locate.js)
// A carrier loads its entry, its main loop, carrier.js, runtime.js and boot.js; the
// hub's code is reached from the API only through require()s of hub/ paths
// (hub-access.ts), never by a static import, so carriers never load it.
// Modules whose loading starts something (the CLI, the carrier's main loop,
// register) keep their code in their own file. Three programs that run
// outside the hub's module graph (the spawner process, the watchdog thread,
// the loader hook thread) are built as single files of their own.
//
//   node scripts/build.mjs
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rollup } from 'rollup';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSC_OUT = path.join(ROOT, 'build', 'tsc');
const DIST = path.join(ROOT, 'dist');

/** Programs of their own: built as one file each, sharing nothing with the hub's modules. */
const STANDALONE = ['spawner/main', 'hub/watchdog-worker', 'hooks/skip-main', 'hooks/fibers-children'];
/**
 * Modules whose code stays in their own file: those that do something when
 * loaded (the CLI, register, a carrier's entry and main loop); those whose
 * functions greenthread ships to another thread itself (shipping reads a
 * function's module; in a chunk, its imports would be the chunk's own
 * bindings); and `greenthread top`'s, which imports a hub/ module: in the
 * runtime chunk it would make every thread load the hub's.
 */
const OWN_FILE = new Set(['cli', 'cli/top', 'register', 'carrier/entry', 'carrier/main', 'fibers/hub-calls', 'fibers/hub-pool']);

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

const moduleName = (file) => path.relative(TSC_OUT, file).replace(/\\/g, '/').replace(/\.js$/, '');

/** Reads tsc's output with its source map, so dist/'s maps lead back to src/. */
const withTscMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.startsWith(TSC_OUT)) return null;
    const map = `${id}.map`;
    return { code: readFileSync(id, 'utf8'), map: existsSync(map) ? readFileSync(map, 'utf8') : null };
  },
};

/** Type-only modules become empty chunks: nothing to say about them. */
const onwarn = (warning, warn) => {
  if (warning.code !== 'EMPTY_BUNDLE') warn(warning);
};

const external = (id) => id.startsWith('node:') || !(id.startsWith('.') || path.isAbsolute(id));

/**
 * What `greenthread run` needs to start the application's carrier, before
 * it loads the rest (hub/early-carrier.ts): a chunk of its own, which the
 * others import.
 */
const BOOT = new Set(['own-files', 'errors', 'channel/layout', 'patches/options', 'compile-cache', 'hub/config', 'hub/carrier-worker', 'hub/early-carrier']);

function chunkOf(id) {
  if (!id.startsWith(TSC_OUT)) return undefined;
  const name = moduleName(id);
  if (OWN_FILE.has(name)) return undefined;
  if (BOOT.has(name)) return 'boot';
  if (name.startsWith('carrier/') || name.startsWith('fibers/carrier/')) return 'carrier';
  if (name.startsWith('hub/')) return 'hub';
  if (name.startsWith('shipping/describe') || name.startsWith('shipping/locate')) return 'describe';
  return 'runtime';
}

rmSync(DIST, { recursive: true, force: true });
rmSync(TSC_OUT, { recursive: true, force: true });
// The maps carry the TypeScript sources: stack traces and debuggers show src/ although only dist/ ships.
execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', TSC_OUT, '--inlineSources'], {
  cwd: ROOT,
  stdio: 'inherit',
});

const modules = filesUnder(TSC_OUT).filter((f) => f.endsWith('.js'));
const output = { dir: DIST, format: 'es', sourcemap: true, sourcemapExcludeSources: false };

for (const name of STANDALONE) {
  const bundle = await rollup({ input: path.join(TSC_OUT, `${name}.js`), external, onwarn, plugins: [withTscMaps] });
  await bundle.write({ ...output, entryFileNames: `${name}.js`, inlineDynamicImports: true });
  await bundle.close();
}

const shared = await rollup({
  input: Object.fromEntries(modules.filter((f) => !STANDALONE.includes(moduleName(f))).map((f) => [moduleName(f), f])),
  external,
  onwarn,
  plugins: [withTscMaps],
  preserveEntrySignatures: 'strict',
  // Module order and top-level effects stay as written (registrations of kinds and error classes).
  treeshake: false,
});
await shared.write({ ...output, entryFileNames: '[name].js', chunkFileNames: 'chunks/[name].js', manualChunks: chunkOf });
await shared.close();

// Declarations, for the package's types.
for (const f of filesUnder(TSC_OUT).filter((f) => f.endsWith('.d.ts'))) {
  const to = path.join(DIST, path.relative(TSC_OUT, f));
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(f, to);
}
chmodSync(path.join(DIST, 'cli.js'), 0o755);
