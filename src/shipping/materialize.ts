/**
 * Receiver side of shipping: rebuilds a spawned function in a carrier from its
 * descriptor. Built functions are cached by descriptor key, so only the first
 * spawn of a function on a carrier imports and compiles anything.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GreenShipError } from '../errors.js';
import { ownFile } from '../own-files.js';
import type { Shipped, ShippedFunction, ShippedModule } from './types.js';

const built = new Map<string, Function>();
// Concurrent spawns of a new function share one build.
const building = new Map<string, Promise<Function>>();

/**
 * The function already built for `key`, if any: the synchronous fast path of spawn.
 */
export function materializeCached(key: string): Function | undefined {
  return built.get(key);
}

/**
 * Rebuilds a shipped function (or loads a shipped module's default export),
 * once per key.
 *
 * @throws GreenShipError when an import fails, the source does not compile, or
 *   a module's default export is not a function.
 */
export async function materialize(desc: Shipped): Promise<Function> {
  const hit = built.get(desc.key);
  if (hit) return hit;
  let pending = building.get(desc.key);
  if (!pending) {
    pending = (desc.kind === 'module' ? loadModule(desc) : buildFunction(desc))
      .then((fn) => {
        built.set(desc.key, fn);
        return fn;
      })
      .finally(() => building.delete(desc.key));
    building.set(desc.key, pending);
  }
  return pending;
}

async function loadModule(desc: ShippedModule): Promise<Function> {
  const fn = (await importOrThrow(desc.url, `spawned module ${desc.url}`))[desc.exportName];
  if (typeof fn !== 'function') {
    throw new GreenShipError(`spawned module ${desc.url}: the module's default export must be a function, not ${fn === null ? 'null' : typeof fn}`);
  }
  return fn as Function;
}

async function buildFunction(desc: ShippedFunction): Promise<Function> {
  const file = desc.moduleUrl?.startsWith('file:') ? fileURLToPath(desc.moduleUrl) : undefined;
  const requireThere = file ? createRequire(file) : undefined;
  const what = `spawned function \`${desc.name || 'anonymous'}\``;
  const names: string[] = [];
  const values: unknown[] = [];

  const namespaces = await Promise.all(
    desc.imports.map(({ specifier }) => {
      let url = specifier;
      // A bare specifier belongs to the defining module's node_modules, not to greenthread's.
      if (requireThere && !/^[a-z][a-z\d+.-]*:|^\.{0,2}\//i.test(specifier)) {
        try {
          url = pathToFileURL(requireThere.resolve(specifier)).href;
        } catch {
          // let import() resolve it from here
        }
      }
      return importOrThrow(url, what);
    }),
  );
  desc.imports.forEach(({ local, specifier, imported }, i) => {
    const ns = namespaces[i];
    if (imported !== '*' && !(imported in ns)) throw new GreenShipError(`${what} imports '${imported}' from '${specifier}', which does not export it`);
    names.push(local);
    values.push(imported === '*' ? ns : ns[imported]);
  });

  for (const { local, specifier, path, interop } of desc.requires) {
    if (!requireThere) throw new GreenShipError(`${what} requires '${specifier}' but its module is unknown`);
    let value: unknown;
    try {
      value = requireThere(specifier);
    } catch (e) {
      throw new GreenShipError(`${what} requires '${specifier}', which cannot be loaded here: ${(e as Error).message}`, { cause: e });
    }
    if (interop) value = toEsm(value);
    names.push(local);
    values.push(path.reduce((v: unknown, key) => (v as Record<string, unknown> | null | undefined)?.[key], value));
  }

  for (const { name, value } of desc.constants) {
    names.push(name);
    values.push(value);
  }
  if (desc.cjsLocals && file) {
    names.push('require', '__filename', '__dirname');
    values.push(requireThere, file, dirname(file));
  }

  // One scope for all declarations, so they see each other (and themselves) as in their module.
  // The declarations come back too, so that spawning one of them from here can reuse this descriptor.
  // Captured values arrive with each call: the declarations and the function are then made per call,
  // in a scope that holds them.
  const declared = desc.declarations.map((d) => d.name);
  const captured = (desc.captures ?? []).map((c) => c.name);
  const body = layout(desc, captured, declared);
  let made: unknown;
  try {
    made = new Function(...names, body)(...values);
  } catch (e) {
    throw new GreenShipError(`${what} cannot be rebuilt in the carrier: ${(e as Error).message}`, { cause: e });
  }
  const remember = ([fn, declarations]: [Function, Record<string, unknown>]): Function => {
    rebuilt.set(fn, desc);
    for (const [name, value] of Object.entries(declarations)) {
      if (typeof value === 'function' && !rebuilt.has(value)) rebuilt.set(value, { parent: desc, name });
    }
    return fn;
  };
  if (!captured.length) return remember(made as [Function, Record<string, unknown>]);
  const factory = made as (...values: unknown[]) => [Function, Record<string, unknown>];
  // The captured values come first, as one array (see ./capture.ts).
  const call = function (this: unknown, values: unknown[], ...args: unknown[]): unknown {
    return remember(factory(...values)).apply(this, args);
  };
  factories.set(call, (values) => remember(factory(...values)));
  return call;
}

/** For functions built from a descriptor with captures: the function itself, made from its captured values. */
const factories = new WeakMap<Function, (values: unknown[]) => Function>();

/**
 * Functions this carrier rebuilt, with what they were rebuilt from: the
 * spawned function itself, and the module's functions shipped along with it.
 */
const rebuilt = new WeakMap<Function, ShippedFunction | { parent: ShippedFunction; name: string }>();

/**
 * The descriptor to ship a function that this carrier rebuilt: a green thread
 * spawning the function it runs, or a helper of its module. Its context is the
 * one it was rebuilt in, so nothing has to be read again.
 */
export function rebuiltDescriptor(fn: Function): ShippedFunction | undefined {
  const entry = rebuilt.get(fn);
  if (!entry || !('parent' in entry)) return entry;
  const { parent, name } = entry;
  const source = Function.prototype.toString.call(fn);
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const key = createHash('sha1').update(`${parent.key}\0${name}\0${source}`).digest('hex');
  const desc: ShippedFunction = Object.freeze({ ...parent, key, name: fn.name, source });
  rebuilt.set(fn, desc);
  return desc;
}

/** What esbuild's __toESM gives for a required module: its namespace, `default` being module.exports. */
function toEsm(exports: unknown): unknown {
  if (exports && typeof exports === 'object' && (exports as { __esModule?: boolean }).__esModule) return exports;
  const ns: Record<string, unknown> = Object.create(null);
  if (exports && (typeof exports === 'object' || typeof exports === 'function')) {
    for (const key of Object.keys(exports)) ns[key] = (exports as Record<string, unknown>)[key];
  }
  ns.default = exports;
  return ns;
}

async function importOrThrow(url: string, what: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    // Node 20 does not apply module hooks (tsx's) in worker threads, but a loader's
    // require hook does run there: load the file through require instead.
    if ((e as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION' && url.startsWith('file:')) {
      try {
        return createRequire(url)(fileURLToPath(url)) as Record<string, unknown>;
      } catch {
        // report the import's error, the one that names the real problem
      }
    }
    throw new GreenShipError(`${what}: cannot import '${url}': ${(e as Error).message}`, { cause: e });
  }
}

const SHIPPED_VALUE = Buffer.from('$greenFn');
const OWN_EXPORT = Buffer.from('$greenOwn');

/** Whether serialized bytes may hold a shipped function value: a byte search that lets plain data skip the walk. */
export function mayHoldShipped(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.indexOf(SHIPPED_VALUE) !== -1 || b.indexOf(OWN_EXPORT) !== -1;
}

interface ShippedValueMarker {
  $greenFn: { shipped: ShippedFunction; captured: unknown[] };
}

/** One of greenthread's own exports, by its module and name (shipping/capture.ts). */
function isOwnExport(v: unknown): v is { $greenOwn: { file: string; key: string } } {
  return v !== null && typeof v === 'object' && '$greenOwn' in v && Object.keys(v).length === 1;
}

function isShippedValue(v: unknown): v is ShippedValueMarker {
  return v !== null && typeof v === 'object' && '$greenFn' in v && Object.keys(v).length === 1;
}

/**
 * Replaces the shipped function values in a value just received (arrays,
 * plain objects, Maps, Sets) by the functions, rebuilt here. Returns the
 * (same, changed) value.
 */
export async function reviveShipped<T>(value: T, depth = 0): Promise<T> {
  if (isOwnExport(value)) {
    const { file, key } = value.$greenOwn;
    return ((await import(ownFile(file).href)) as Record<string, unknown>)[key] as T;
  }
  if (isShippedValue(value)) {
    const { shipped, captured } = value.$greenFn;
    const fn = await materialize(shipped);
    if (!shipped.captures?.length) return fn as T;
    return factories.get(fn)!(await reviveShipped(captured, depth + 1)) as T;
  }
  if (value === null || typeof value !== 'object' || depth > 32 || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = await reviveShipped(value[i], depth + 1);
  } else if (value instanceof Map) {
    const entries = [...value.entries()];
    value.clear();
    for (const [k, v] of entries) value.set(await reviveShipped(k, depth + 1), await reviveShipped(v, depth + 1));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const item of items) value.add(await reviveShipped(item, depth + 1));
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = await reviveShipped((value as Record<string, unknown>)[key], depth + 1);
  }
  return value;
}

/**
 * The rebuilt function is handed to a setter where its text sits, and
 * returned at the end: an argument gets no name inferred from a binding, so
 * stack traces show it as they would in its module.
 */
const MAIN = '__greenthreadMain';
const KEEP = `let ${MAIN}; const __greenthreadKeep = (f) => { ${MAIN} = f; };`;

/**
 * The body of the `new Function` that rebuilds `desc`: its declarations and
 * the function itself, each placed on its line of the module where their
 * order allows (V8 counts a `new Function` body from line 3), so that stack
 * traces point at the user's own lines. With captured values, the function
 * and the declarations that use them are made per call, inside a factory of
 * those values; the others once.
 */
function layout(desc: ShippedFunction, captured: string[], declared: string[]): string {
  const inner = new Set(captured);
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of desc.declarations) {
      if (inner.has(d.name) || !d.needs?.some((n) => inner.has(n))) continue;
      inner.add(d.name);
      grew = true;
    }
  }
  const piece = (d: ShippedFunction['declarations'][number]) => ({ text: d.source, line: d.line, column: d.column, prefix: '' });
  const main = { text: `${desc.source}));`, line: desc.line, column: desc.column, prefix: '__greenthreadKeep((' };
  const once = desc.declarations.filter((d) => !inner.has(d.name)).map(piece);
  const each = [...desc.declarations.filter((d) => inner.has(d.name)).map(piece), main];
  const at = { line: 3 };
  let out = desc.cjs ? '' : '"use strict";';
  if (!captured.length) return out + KEEP + place([...once, main], at, desc.line !== undefined) + finish(desc, declared, '');
  out += place(once, at, true) + '\n';
  at.line++;
  out += `return function (${captured.join(', ')}) {` + KEEP + place(each, at, desc.line !== undefined);
  return out + finish(desc, declared, '\n};');
}

/** Pieces of code, each on its own line of the module when it can be; `at.line` follows the text. */
function place(pieces: { text: string; line?: number; column?: number; prefix: string }[], at: { line: number }, sort: boolean): string {
  if (sort) pieces.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  let out = '';
  for (const piece of pieces) {
    let head = '\n';
    at.line++;
    if (piece.line !== undefined && piece.line > at.line) {
      head += '\n'.repeat(piece.line - at.line);
      at.line = piece.line;
    }
    const pad = (piece.column ?? 0) - piece.prefix.length;
    out += head + (piece.line === at.line && pad > 0 ? ' '.repeat(pad) : '') + piece.prefix + piece.text;
    at.line += countLines(piece.text);
  }
  return out;
}

function finish(desc: ShippedFunction, declared: string[], close: string): string {
  // Stack traces name the file the user wrote; a function made here that is spawned again is read from its module.
  const module = desc.sourceUrl && desc.moduleUrl ? `\n//# greenthreadModule=${desc.moduleUrl}` : '';
  return `\nreturn [${MAIN}, { ${declared.join(', ')} }];${close}${module}\n//# sourceURL=${desc.sourceUrl ?? desc.moduleUrl ?? `greenthread:spawned/${desc.name}`}`;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
