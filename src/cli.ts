#!/usr/bin/env node
/**
 * The `greenthread` command.
 *
 *   greenthread run [options] app.js [args...]
 *   greenthread top <pid> [--interval ms] [--once]
 *
 * The main thread becomes the hub and app.js runs as green thread 0, with
 * process.argv as node would give it. Node's own options given to `run`
 * (`greenthread run --import tsx app.ts`) start it again under them, as
 * `node --import tsx greenthread run app.ts` would; carriers inherit them.
 *
 * Runs on the hub (main thread).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { patchesWithout, unionPatches, type PatchOptions } from './patches/options.js';
import { enableCompileCache } from './compile-cache.js';
import { startEarlyCarrier } from './hub/early-carrier.js';

// Only what starts the application's carrier is imported up front (the
// build keeps these modules in a small chunk of their own); the rest of
// greenthread loads while that carrier starts (hub/early-carrier.ts).

const USAGE = `Usage: greenthread run [options] <app.js> [args...]
       greenthread top <pid> [--interval <ms>] [--once]

Runs app.js as green thread 0: blocking calls in it (and in every green
thread it spawns) park that green thread while the hub serves the rest.

Blocking calls of Node's modules are made green in every carrier before the
app loads (monkeyPatch); --no-patch leaves some, or all, as Node has them.

Options (before the app path):
  --no-patch[=mods]    do not patch these modules (comma-separated among
                       child_process, fs, dns, net, process, timers, fibers;
                       e.g. --no-patch=fs,dns); alone: patch nothing
                       (fibers: require('fibers') loads greenthread/fibers)
  --min-carriers <n>   carriers kept warm (default: number of cores, at least 2)
  --max-carriers <n>   hard cap on carriers (default: sized from memory)
  --inspect-green      trace where green threads are spawned and park;
                       print every live green thread to stderr on SIGUSR2
                       (kill -USR2 <pid>), and let greenthread top watch it
  --processes <n>      run n copies of the app, each with its own hub and
                       carriers, sharing listening sockets (node:cluster)
  -h, --help           this text
  -v, --version        print the version

Node's own options given here (--import tsx, -r, --enable-source-maps,
--conditions=..., ...) reach node, the hub and every carrier.

greenthread top shows the green threads of a process started with
--inspect-green, redrawn every --interval ms (default 1000) on a terminal;
--once (or a stdout that is not a terminal) prints one snapshot.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function fail(message: string): never {
  process.stderr.write(`greenthread: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function main(argv: string[]): void {
  // Modules the hub loads from here on (the rest of greenthread) compile from the cache.
  enableCompileCache();
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (command === 'top') return runTop(rest);
  if (command !== 'run') fail(`unknown command '${command}'`);

  // Options end at the app path: everything after it belongs to the app.
  let split = 0;
  const own: string[] = [];
  const forNode: string[] = [];
  while (split < rest.length && rest[split]!.startsWith('-')) {
    const arg = rest[split]!;
    const name = arg.split('=')[0]!;
    const takesValue = !arg.includes('=') && (OWN_WITH_VALUE.has(name) || NODE_WITH_VALUE.has(name));
    const words = rest.slice(split, split + (takesValue ? 2 : 1));
    if (!OWN_OPTIONS.has(name) && !process.allowedNodeEnvironmentFlags.has(name) && !COMMAND_LINE_ONLY.has(name)) fail(`unknown option '${arg}'`);
    (OWN_OPTIONS.has(name) ? own : forNode).push(...words);
    split += words.length;
  }
  if (forNode.length) return rerunUnder(forNode, [...own, ...rest.slice(split)]);
  let values: {
    'min-carriers'?: string;
    'max-carriers'?: string;
    'no-patch'?: string | boolean;
    'inspect-green'?: boolean;
    processes?: string;
    help?: boolean;
  };
  // parseArgs has no optional values: a bare --no-patch means every module.
  const optionArgs = own.map((a) => (a === '--no-patch' ? '--no-patch=all' : a));
  try {
    ({ values } = parseArgs({
      args: optionArgs,
      options: {
        'min-carriers': { type: 'string' },
        'no-patch': { type: 'string' },
        'max-carriers': { type: 'string' },
        'inspect-green': { type: 'boolean' },
        processes: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const app = rest[split];
  if (!app) fail('run needs the path of the application to run');
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const processes = num('processes', values.processes) ?? 1;
  let patches: PatchOptions;
  try {
    patches = patchesWithout(typeof values['no-patch'] === 'string' ? values['no-patch'] : undefined);
  } catch (err) {
    fail((err as Error).message);
  }
  const options: RunOptions = {
    minCarriers: num('min-carriers', values['min-carriers']),
    maxCarriers: num('max-carriers', values['max-carriers']),
    patches,
    inspect: values['inspect-green'] === true,
  };
  if (processes > 1) {
    void import('node:cluster').then(({ default: cluster }) => (cluster.isPrimary ? runCluster(cluster, processes) : run(app, rest.slice(split + 1), options)));
    return;
  }
  run(app, rest.slice(split + 1), options);
}

// Set for the run started again under node's options (rerunUnder); not passed on to the app's own children.
const rerun = process.env.GREENTHREAD_RERUN === '1';
delete process.env.GREENTHREAD_RERUN;

const OWN_OPTIONS = new Set(['--min-carriers', '--max-carriers', '--processes', '--no-patch', '--inspect-green', '--help', '-h']);
const OWN_WITH_VALUE = new Set(['--min-carriers', '--max-carriers', '--processes']);
/** Node options that node takes on its command line only (not in NODE_OPTIONS, so not in allowedNodeEnvironmentFlags). */
const COMMAND_LINE_ONLY = new Set(['--env-file', '--env-file-if-exists']);
/** Node options whose value is the next word when not given with `=`. */
const NODE_WITH_VALUE = new Set([
  '--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C', '--env-file',
  '--title', '--inspect-port', '--dns-result-order', '--unhandled-rejections', '--input-type', '--stack-size',
]);

/**
 * `greenthread run <node options> ...`: this process runs again as
 * `node <node options> greenthread run ...`, so that node, the hub and the
 * carriers (which inherit node's options) all get them. Signals reach it;
 * its exit is this process's.
 */
function rerunUnder(nodeOptions: string[], runArgs: string[]): void {
  if (rerun) fail(`unknown option '${nodeOptions[0]}'`);
  void import('node:child_process').then(({ spawn }) => {
    const child = spawn(process.execPath, [...process.execArgv, ...nodeOptions, process.argv[1]!, 'run', ...runArgs], {
      stdio: 'inherit',
      env: { ...process.env, GREENTHREAD_RERUN: '1' },
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'] as const) process.on(signal, () => child.kill(signal));
    child.on('error', (err) => fail(`cannot start node with ${nodeOptions.join(' ')}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
}

interface RunOptions {
  minCarriers: number | undefined;
  maxCarriers: number | undefined;
  patches: PatchOptions;
  inspect: boolean;
}

function run(app: string, args: string[], { minCarriers, maxCarriers, patches, inspect }: RunOptions): void {
  const patching = Object.values(patches).some(Boolean);
  const resolved = path.resolve(app);
  // What the hub will give its carriers once prepare (below) has added the patches.
  const union = patching ? unionPatches(undefined, patches) : undefined;
  const early = existsSync(resolved) ? startEarlyCarrier([process.execPath, resolved, ...args], union, maxCarriers) : undefined;
  const hubLoaded = import('./hub/run-main.js').then(({ runMain }) => runMain(app, args, (hub) => {
    try {
      hub.configure({ minCarriers, maxCarriers });
    } catch (err) {
      fail((err as Error).message);
    }
    if (inspect) hub.configure({ traceSpawns: true });
    // Every carrier patches itself before the application loads.
    if (patching) hub.addPatches(patches);
  }, early));
  const api = hubLoaded.then(() => import('./index.js'));
  // SIGUSR2 prints every live green thread. Its handler is in place before the
  // app runs: without one, the signal would end the process.
  if (inspect) process.on('SIGUSR2', () => void api.then(({ formatGreenThreads }) => process.stderr.write(formatGreenThreads())));
  void api.then(({ monkeyPatch }) => {
    // The hub thread too, for code that runs there (runInHub, hub-side callbacks).
    if (patching) monkeyPatch(patches);
    // `greenthread top` can watch.
    if (inspect) void import('./hub/inspection-socket.js').then(({ serveInspection }) => serveInspection());
  });
}

/** `greenthread top <pid>`: watches another process's green threads. */
function runTop(args: string[]): void {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { interval: { type: 'string' }, once: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values, positionals } = parsed;
  const pid = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(pid) || pid <= 0) fail('top needs one process id, of a process started with `greenthread run --inspect-green`');
  const interval = values.interval === undefined ? 1000 : Number(values.interval);
  if (!Number.isInteger(interval) || interval < 50) fail(`--interval must be an integer number of milliseconds, at least 50, got '${values.interval}'`);
  void import('./cli/top.js')
    .then(({ top }) => top(pid, { interval, once: values.once === true }))
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * `--processes N`: N copies of the app, each a process with its own hub and
 * carriers (node:cluster), sharing listening sockets the cluster's way. The
 * primary starts and watches them. One that is killed by a signal the
 * primary did not send (kill -9, the OOM killer) or that exits non-zero is
 * started again, as a process manager would, at most RESTARTS times per
 * RESTART_WINDOW_MS for the N of them (an app that fails at start does not
 * loop). One that exits 0 is done. The primary exits when they all have,
 * with the first failure's exit code, and passes SIGINT/SIGTERM on.
 */
const RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

function runCluster(cluster: typeof import('node:cluster').default, n: number): void {
  let code = 0;
  let alive = n;
  let stopping = false;
  const restarts: number[] = [];
  // Workers run this same command line; being workers, they run the app.
  for (let i = 0; i < n; i++) cluster.fork();
  cluster.on('exit', (worker, exitCode, signal) => {
    const failed = exitCode !== 0 || Boolean(signal);
    if (failed && !stopping) {
      const now = Date.now();
      while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
      const what = `greenthread: process ${worker.process.pid} ${signal ? `was killed by ${signal}` : `exited with ${exitCode}`}`;
      if (restarts.length < RESTARTS) {
        restarts.push(now);
        process.stderr.write(`${what}; starting another\n`);
        cluster.fork();
        return;
      }
      process.stderr.write(`${what}; not started again: ${RESTARTS} restarts within ${RESTART_WINDOW_MS / 1000} s\n`);
    }
    if (code === 0 && failed) code = exitCode || 1;
    if (--alive === 0) process.exit(code);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(sig);
    });
  }
}

main(process.argv.slice(2));
