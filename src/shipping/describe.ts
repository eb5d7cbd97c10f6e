/**
 * Sender side of shipping: turns a function into a {@link ShippedFunction}, the
 * source plus everything it refers to, so that a carrier (another isolate) can
 * rebuild it. Runs on any thread.
 *
 * A function's free identifiers are classified against its defining module:
 * imports and `require`s are re-imported by the receiver, top-level functions,
 * classes and primitive constants are shipped as source, globals exist on the
 * other side. Every other binding it reads is captured: its value is read
 * from the closure at each call (./capture.ts) and copied, or, for one that
 * cannot be copied but is computed from what ships, computed again by the
 * receiver. A top-level function that cannot ship becomes a captured value,
 * which the hub keeps and green threads call. What cannot work (the function
 * assigns or changes what it captures, or reads a variable assigned again
 * elsewhere) is rejected with a GreenClosureError that names the identifier,
 * where it is declared, and what to do.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire, findSourceMap, isBuiltin } from 'node:module';
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Acorn from 'acorn';
import { resolve as resolveImport } from 'import-meta-resolve';
import { GreenClosureError, GreenShipError } from '../errors.js';
import { closureValues } from './inspector.js';
import { locateFunction, offsetOf, type FunctionSite } from './locate.js';
import { NO_USE, usesOf, walk, type Use } from './usage.js';
import { copiesFaithfully, describeValue } from './faithful.js';
import { rebuiltDescriptor } from './materialize.js';
import type { ShippedFunction, ShippedModule } from './types.js';
import { aligned, toPath, writtenFile } from './placement.js';
import type { Definition, ModuleInfo, Reference, Scope, ScopeManager, Variable } from './scopes.js';
import { OWN_DIRS } from '../own-files.js';

const requireHere = createRequire(import.meta.url);

// Parsers load on the first cache miss only: carriers that never describe anything never pay for them.
let tools: { acorn: typeof Acorn; analyze(ast: Acorn.Program, options: object): ScopeManager } | undefined;
function lib(): NonNullable<typeof tools> {
  return (tools ??= { acorn: requireHere('acorn'), analyze: requireHere('eslint-scope').analyze });
}



/**
 * Where greenthread was called from: the first stack frame outside greenthread's
 * own `src/` and `dist/` files and outside Node internals.
 *
 * The line is mapped through the file's source map when Node has one (tsx
 * registers them), so that it points into the file as written.
 *
 * @param stackDepthHint how many frames to capture; raise it when the call goes
 *   through many layers of greenthread itself.
 * @returns the file (absolute path or file URL, as V8 names it) and 1-based line,
 *   or undefined when the caller is eval'd code or no such frame was captured.
 */
export function callerLocation(stackDepthHint = 16): { file: string; line: number } | undefined {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let frames: NodeJS.CallSite[] = [];
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.stackTraceLimit = stackDepthHint;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, callerLocation);
    frames = holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  for (const frame of frames) {
    if (frame.isEval()) return undefined;
    const file = frame.getFileName();
    // Frames without a file are native (Array.prototype.map calling back, say): look past them.
    if (!file || file.startsWith('node:')) continue;
    const path = toPath(file);
    if (path && OWN_DIRS.some((dir) => path.startsWith(dir))) continue;
    return { file, line: originalLine(file, frame.getLineNumber() ?? 0, frame.getColumnNumber() ?? 0) };
  }
  return undefined;
}

function originalLine(file: string, line: number, column: number): number {
  let entry: { originalLine?: number; originalSource?: string } | undefined;
  try {
    entry = findSourceMap(file)?.findEntry(line - 1, column - 1);
  } catch {
    return line;
  }
  // A map into another file (a bundle) says nothing about this file's lines.
  if (entry?.originalLine === undefined || !entry.originalSource) return line;
  return toPath(entry.originalSource) === toPath(file) ? entry.originalLine + 1 : line;
}

const moduleDescriptors = new Map<string, ShippedModule>();

/**
 * Describes a module to run in a green thread: `spawn(new URL('./task.js', import.meta.url))`.
 * The carrier imports it and calls its default export.
 *
 * @throws GreenShipError when `url` is not a file: URL to an existing file.
 */
export function describeModule(url: URL | string): ShippedModule {
  const href = String(url);
  const known = moduleDescriptors.get(href);
  if (known) return known;
  let parsed: URL;
  try {
    parsed = new URL(href);
  } catch {
    throw new GreenShipError(`spawn(url): '${href}' is not a URL; use new URL('./task.js', import.meta.url)`);
  }
  if (parsed.protocol !== 'file:') {
    throw new GreenShipError(`spawn(url): '${href}' is not a file: URL; only local modules can be spawned`);
  }
  let isFile = false;
  try {
    isFile = statSync(fileURLToPath(parsed)).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new GreenShipError(`spawn(url): no module file at ${parsed.href}`);
  const desc: ShippedModule = Object.freeze({ kind: 'module', key: 'module:' + parsed.href, url: parsed.href, exportName: 'default' });
  moduleDescriptors.set(href, desc);
  return desc;
}

const described = new WeakMap<Function, Map<string, ShippedFunction>>();

/**
 * Describes `fn` so that a carrier can rebuild it with `materialize`.
 * Repeat calls with the same function and file return the same (frozen) descriptor.
 *
 * @param fn the function given to spawn.
 * @param callerFile the module that defines `fn` (normally the spawn caller, see
 *   {@link callerLocation}); a path or file URL. When undefined or unreadable
 *   (eval, REPL), `fn` may use globals only.
 * @param callLine line of the spawn call, used to place closure errors when `fn`
 *   cannot be found in the module text (compiled code).
 * @throws GreenShipError for what cannot be shipped at all (native, bound, class, unparsable).
 * @throws GreenClosureError for a free identifier that cannot follow `fn` to another isolate.
 */
export function describeFunction(fn: Function, callerFile: string | undefined, callLine?: number, asValue = false): ShippedFunction {
  if (typeof fn !== 'function') {
    throw new GreenShipError(`spawn() needs a function or a module URL, got ${fn === null ? 'null' : typeof fn}`);
  }
  const fileKey = (callerFile ?? '') + (asValue ? '\0value' : '');
  let byFile = described.get(fn);
  const known = byFile?.get(fileKey);
  if (known) return known;
  const desc = rebuiltDescriptor(fn) ?? build(fn, callerFile, callLine, asValue);
  if (!byFile) described.set(fn, (byFile = new Map()));
  byFile.set(fileKey, desc);
  return desc;
}

function build(fn: Function, callerFile: string | undefined, callLine: number | undefined, asValue: boolean): ShippedFunction {
  const raw = Function.prototype.toString.call(fn);
  const name = fn.name || 'anonymous';
  if (/\{\s*\[native code\]\s*\}$/.test(raw)) {
    throw new GreenShipError(
      name.startsWith('bound ')
        ? `\`${name}\` is a bound function, which cannot be shipped to a green thread: spawn the function itself and pass the bound values as arguments`
        : `\`${name}\` is a native function, which cannot be shipped to a green thread: spawn a function of your own that calls it, as in spawn((...args) => Math.max(...args))`,
    );
  }
  // A class among a green thread's values ships as its source; spawn itself needs a function.
  if (/^class\b/.test(raw) && !asValue) {
    throw new GreenShipError(`\`${name}\` is a class; spawn a function that uses it instead, as in spawn(() => new ${name}())`);
  }
  let mod: ModuleInfo | undefined;
  let scope: Scope | undefined;
  let caller: ModuleInfo | undefined;
  const site = locateFunction(fn, callerFile);
  // Closures made again at one place in the code (a spawn in a loop) are described once.
  const siteKey = site ? `${site.scriptId}:${site.line}:${site.column}:${asValue}` : undefined;
  const known = siteKey ? bySite.get(siteKey) : undefined;
  if (known) return known;
  const { source, ast } = parseFunction(raw, name);
  if (usesOuterThis(ast)) {
    throw new GreenClosureError(
      'this',
      callerFile ? `${displayPath(toPath(callerFile) ?? callerFile)}${callLine ? ':' + callLine : ''}` : '<unknown>',
      'the `this` of the function around this arrow function, which V8 does not show from outside: read what you need first (const { size } = this) and use that',
      false,
    );
  }
  if (site && isRebuilt(site)) {
    // Rebuilt by materialize in this carrier: its real home is the module its comment or sourceURL names.
    callerFile = /\/\/# greenthreadModule=(\S+)/.exec(site.source)?.[1] ?? site.url;
    callLine = undefined;
  } else if (site) {
    mod = scriptModule(site);
    scope = mod && scopeAt(mod, site.line, site.column);
    // V8 knows no file for eval'd code: only globals can be shipped from there.
    if (!site.url) callerFile = undefined;
  }
  if (!scope) {
    const path = callerFile === undefined ? undefined : toPath(callerFile);
    caller = path && isAbsolute(path) ? loadModule(path) : undefined;
    ({ mod, scope } = caller ? definingModule(caller, raw, fn.name, callLine) : { mod: undefined, scope: undefined });
  }
  // The call line means something only in the caller's own file.
  const collector = new Collector(mod, mod === caller ? callLine : undefined, fn, scope && !asValue ? scope.block.start : undefined);
  if (scope) {
    const uses = usesOf(scope.block, scope.through);
    const block = scope.block;
    // A function or class declaration's own name: rebuilt as a named expression, it names itself there too.
    const ownName = (block.type === 'FunctionDeclaration' || block.type === 'ClassDeclaration') && block.id ? block.id.name : undefined;
    for (const ref of scope.through) {
      if (ref.identifier.name === ownName && ref.resolved?.defs[0]?.node === block) continue;
      collector.use(ref.identifier.name, ref.resolved, lineOf(ref.identifier, mod), uses.get(ref.identifier.name));
    }
  } else {
    const through = lib().analyze(ast, { ecmaVersion: 2022, sourceType: 'script' }).globalScope.through;
    const uses = usesOf(ast, through);
    for (const ref of through) collector.use(ref.identifier.name, mod?.top.set.get(ref.identifier.name) ?? null, undefined, uses.get(ref.identifier.name));
  }
  const shipped = collector.rewrite(`(${source})`, 0, ast, scope ? lineOf(scope.block, mod) : callLine).slice(1, -1);
  // Where the source sits in its module, for stack traces (method shorthand was rewritten: its text moved).
  const at = scope && source === raw ? scope.block.start : undefined;
  const desc = collector.result(shipped, fn.name, at);
  if (siteKey) bySite.set(siteKey, desc);
  return desc;
}

/** Descriptors by where V8 compiled the function: script, line, column (and whether it was described as a value). */
const bySite = new Map<string, ShippedFunction>();

/** Parses a function's source as an expression; method shorthand becomes a function expression. */
function parseFunction(raw: string, name: string): { source: string; ast: Acorn.Program } {
  const unparsable = (cause?: unknown) =>
    new GreenShipError(
      `\`${name}\` cannot be shipped: its source does not parse on its own (does it use super or #private names?)`,
      { cause },
    );
  try {
    return { source: raw, ast: parseLoose(`(${raw})`) };
  } catch {
    // not an expression: a method
  }
  // The key is dropped, not turned into a name: a method's name is not a binding in its own body.
  for (const wrapped of [`({${raw}\n})`, `(class{${raw}\n})`]) {
    let value: Acorn.FunctionExpression | undefined;
    try {
      const expr = (parseLoose(wrapped).body[0] as Acorn.ExpressionStatement).expression;
      const members = expr.type === 'ObjectExpression' ? expr.properties : expr.type === 'ClassExpression' ? expr.body.body : [];
      const member = members.length === 1 ? members[0] : undefined;
      if (member && (member.type === 'Property' || member.type === 'MethodDefinition') && member.value?.type === 'FunctionExpression') {
        value = member.value;
      }
    } catch {
      continue;
    }
    if (!value) continue;
    const source = `${value.async ? 'async ' : ''}function${value.generator ? '*' : ''} ${wrapped.slice(value.start, value.end)}`;
    try {
      return { source, ast: parseLoose(`(${source})`) };
    } catch (e) {
      throw unparsable(e);
    }
  }
  throw unparsable();
}

/** Script first (sloppy CommonJS code is not a valid module), module for import.meta. */
function parseLoose(text: string): Acorn.Program {
  const options: Acorn.Options = { ecmaVersion: 'latest', ranges: true };
  try {
    return lib().acorn.parse(text, options);
  } catch (e) {
    try {
      return lib().acorn.parse(text, { ...options, sourceType: 'module' });
    } catch {
      throw e;
    }
  }
}


const modules = new Map<string, { mtimeMs: number; info: ModuleInfo }>();
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

function loadModule(file: string): ModuleInfo | undefined {
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = statSync(file).mtimeMs;
    const cached = modules.get(file);
    if (cached?.mtimeMs === mtimeMs) return cached.info;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const ext = extname(file);
  if (TS_EXTENSIONS.has(ext)) text = stripTypes(text, displayPath(file));
  const cjs = ext === '.cjs' || ext === '.cts' ? true : ext === '.mjs' || ext === '.mts' ? false : packageSaysCjs(dirname(file));
  const info = parseModule(file, text, cjs);
  modules.set(file, { mtimeMs, info });
  return info;
}

/** Parses a module's text and analyses its scopes. `cjs` undefined: decide from the syntax. */
function parseModule(file: string, text: string, cjs: boolean | undefined): ModuleInfo {
  const display = displayPath(file);
  const { acorn, analyze } = lib();
  const asModule: Acorn.Options = { ecmaVersion: 'latest', sourceType: 'module', locations: true, ranges: true, allowHashBang: true };
  const asScript: Acorn.Options = { ...asModule, sourceType: 'script', allowReturnOutsideFunction: true };
  let ast: Acorn.Program | undefined;
  let error: unknown;
  for (const options of cjs ? [asScript, asModule] : [asModule, asScript]) {
    try {
      ast = acorn.parse(text, options);
      break;
    } catch (e) {
      error ??= e;
    }
  }
  if (!ast) {
    throw new GreenShipError(`cannot parse ${display} to see what the spawned function uses: ${(error as Error).message}`, { cause: error });
  }
  cjs ??= ast.sourceType === 'script' || !ast.body.some((node) => /^(Import|Export)/.test(node.type));
  const sm = analyze(ast, { ecmaVersion: 2022, sourceType: cjs ? 'commonjs' : 'module' });
  const wrapper = cjs ? compiledWrapper(ast) : undefined;
  const top = (wrapper && sm.acquire(wrapper)) || sm.globalScope.childScopes[0];
  return { file, url: pathToFileURL(file).href, display, text, cjs, sm, top };
}

/**
 * esbuild's CommonJS output (tsx on Node 20) wraps the module body in an
 * arrow IIFE, after a `__filename = ...` assignment: that function is the
 * module's real top level.
 */
function compiledWrapper(ast: Acorn.Program): Acorn.AnyNode | undefined {
  let found: Acorn.AnyNode | undefined;
  for (const node of ast.body) {
    if (node.type !== 'ExpressionStatement') return undefined;
    const expr = node.expression;
    if (expr.type === 'AssignmentExpression') continue;
    if (expr.type !== 'CallExpression' || expr.arguments.length !== 0 || found) return undefined;
    if (expr.callee.type !== 'ArrowFunctionExpression' && expr.callee.type !== 'FunctionExpression') return undefined;
    found = expr.callee;
  }
  return found;
}

/** Functions that materialize built with new Function: V8's source is the wrapper, not the module. */
function isRebuilt(site: FunctionSite): boolean {
  return site.source.startsWith('(function anonymous(') && site.source.includes('//# sourceURL=');
}

const scripts = new Map<string, ModuleInfo | undefined>();

/**
 * The defining module as V8 compiled it (after any loader's transform), so
 * that names in the function's source are the names in its module.
 */
function scriptModule(site: FunctionSite): ModuleInfo | undefined {
  if (scripts.has(site.scriptId)) return scripts.get(site.scriptId);
  let info: ModuleInfo | undefined;
  const file = site.url ? toPath(site.url) : undefined;
  if (file && isAbsolute(file)) {
    try {
      info = parseModule(file, site.source, !site.isModule);
      info.compiled = findSourceMap(file) !== undefined;
    } catch {
      info = undefined; // fall back to the file on disk
    }
  }
  scripts.set(site.scriptId, info);
  return info;
}

/** The innermost function scope containing V8's position of the function. */
function scopeAt(mod: ModuleInfo, line: number, column: number): Scope | undefined {
  const offset = offsetOf(mod.text, line, column);
  if (offset === undefined) return undefined;
  let best: Scope | undefined;
  for (const scope of mod.sm.scopes) {
    const b = scope.block;
    if (!/Function|Class/.test(b.type) || b.start > offset || b.end <= offset) continue;
    if (!best || b.end - b.start < best.block.end - best.block.start) best = scope;
  }
  return best;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.length < file.length ? rel : file;
}

function stripTypes(text: string, display: string): string {
  let amaro: { transformSync(code: string, options: object): { code: string } };
  try {
    amaro = requireHere('amaro');
  } catch (e) {
    throw new GreenShipError(`${display} is TypeScript: reading it to ship a function needs the amaro package (npm install amaro)`, { cause: e });
  }
  try {
    return amaro.transformSync(text, { mode: 'strip-only' }).code;
  } catch (e) {
    // amaro throws its diagnostic as a string, with a source excerpt after the first line.
    const why = String(e instanceof Error ? e.message : e).trim().split('\n')[0].replace(/^x\s+/, '');
    throw new GreenShipError(
      `cannot strip the types of ${display} (${why}); only erasable TypeScript can be shipped: no enum, namespace or parameter properties`,
      { cause: e },
    );
  }
}

/** CommonJS per the nearest package.json "type"; undefined when it does not say. */
function packageSaysCjs(dir: string): boolean | undefined {
  for (;;) {
    let json: string | undefined;
    try {
      json = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // no package.json here
    }
    if (json !== undefined) {
      try {
        const type = (JSON.parse(json) as { type?: unknown }).type;
        return type === 'module' ? false : type === 'commonjs' ? true : undefined;
      } catch {
        return undefined;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The module that defines `fn`: the caller's own, or one it imports, for
 * `import { work } from './tasks.js'; spawn(work)`. `scope` is `fn`'s scope
 * when its text was found.
 */
function definingModule(caller: ModuleInfo, raw: string, name: string, callLine: number | undefined): { mod: ModuleInfo; scope?: Scope } {
  const scope = locate(caller, raw, callLine);
  if (scope) return { mod: caller, scope };
  const candidates = importedFiles(caller).sort((a, b) => Number(b.local === name) - Number(a.local === name));
  for (const { file, local } of candidates) {
    // Parsing every dependency's bundle would cost more than a miss.
    if (local !== name && file.includes(`${sep}node_modules${sep}`)) continue;
    const mod = tryLoadModule(file);
    const found = mod && locate(mod, raw, undefined);
    if (found) return { mod: mod!, scope: found };
  }
  // Compiled code (tsx) never matches its file's text: trust the name it was imported under.
  for (const { file, local, imported } of candidates) {
    const mod = local === name ? tryLoadModule(file) : undefined;
    if (mod?.top.set.has(imported === 'default' ? name : imported)) return { mod };
  }
  return { mod: caller };
}

function tryLoadModule(file: string): ModuleInfo | undefined {
  try {
    return loadModule(file);
  } catch {
    return undefined; // a file we cannot parse does not define fn
  }
}

/** Local files the module imports or requires at top level, with the binding names. */
function importedFiles(mod: ModuleInfo): { file: string; local: string; imported: string }[] {
  const files: { file: string; local: string; imported: string }[] = [];
  for (const variable of mod.top.set.values()) {
    const def = variable.defs[0];
    try {
      if (def.type === 'ImportBinding' && def.parent?.type === 'ImportDeclaration') {
        const url = resolveSpecifier(mod, String(def.parent.source.value));
        const node = def.node;
        const imported = node.type === 'ImportSpecifier' ? specifierName(node.imported) : node.type === 'ImportDefaultSpecifier' ? 'default' : '*';
        if (url.startsWith('file:')) files.push({ file: sourceFile(fileURLToPath(url)), local: variable.name, imported });
      } else if (mod.cjs && def.node.type === 'VariableDeclarator') {
        const required = requireBinding(def.node, variable.name);
        if (!required || isBuiltin(required.specifier)) continue;
        files.push({ file: createRequire(mod.file).resolve(required.specifier), local: variable.name, imported: required.path[0] ?? '*' });
      }
    } catch {
      // unresolvable: cannot be where fn comes from
    }
  }
  return files;
}

// TypeScript imports name the compiled file ('./tasks.js' for tasks.ts), as tsx resolves them.
const TS_SOURCES: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
function sourceFile(file: string): string {
  if (existsSync(file)) return file;
  const ext = extname(file);
  const base = file.slice(0, file.length - ext.length);
  return (TS_SOURCES[ext] ?? []).map((e) => base + e).find((f) => existsSync(f)) ?? file;
}

/**
 * Finds `fn` in its module's text, so that its free identifiers resolve against
 * the real scopes (shadowing and closures included). Fails for compiled code,
 * whose runtime source differs from the file.
 */
function locate(mod: ModuleInfo, raw: string, callLine: number | undefined): Scope | undefined {
  let best: Scope | undefined;
  for (let at = mod.text.indexOf(raw); at !== -1; at = mod.text.indexOf(raw, at + 1)) {
    const end = at + raw.length;
    let block: Acorn.AnyNode | undefined;
    for (const scope of mod.sm.scopes) {
      const b = scope.block;
      // A method's node starts at its parameters, after the key that toString() includes.
      if (b.end === end && b.start >= at && /Function/.test(b.type) && (!block || b.start < block.start)) block = b;
    }
    const scope = block && mod.sm.acquire(block);
    if (!scope) continue;
    const line = lineOf(scope.block);
    // The same text can occur twice: prefer the last one at or before the spawn call.
    if (!best || (callLine !== undefined && line <= callLine && (lineOf(best.block) > callLine || line > lineOf(best.block)))) best = scope;
  }
  return best;
}

/** 1-based line of `node` in the file as written (through the source map when a loader compiled it). */
function lineOf(node: Acorn.Node, mod?: ModuleInfo): number {
  const line = node.loc?.start.line ?? 0;
  return mod?.compiled ? originalLine(mod.file, line, (node.loc?.start.column ?? 0) + 1) : line;
}

const CJS_LOCALS = new Set(['require', '__filename', '__dirname']);
// Helpers that compilers inject into function bodies; esbuild (tsx) adds __name for keepNames.
const COMPILER_HELPERS: Record<string, string> = {
  __name: 'const __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true });',
};
// Babel's interop helper keeps a module-level cache, which would send it to the hub: the carrier uses its own.
const INTEROP_HELPERS: Record<string, string> = {
  _interopRequireWildcard:
    'function _interopRequireWildcard(e) { if (e && e.__esModule) return e; const n = { __proto__: null, default: e }; ' +
    'if (e === null || (typeof e !== "object" && typeof e !== "function")) return n; ' +
    'for (const k in e) if (k !== "default" && Object.prototype.hasOwnProperty.call(e, k)) { const d = Object.getOwnPropertyDescriptor(e, k); ' +
    'if (d && (d.get || d.set)) Object.defineProperty(n, k, d); else n[k] = e[k]; } return n; }',
};

type Constant = ShippedFunction['constants'][number]['value'];
const NOT_PRIMITIVE = Symbol('not primitive');

/** A binding's value could not be read (no inspector, or the function is not a closure V8 shows). */
const NO_VALUE = Symbol('no value');

/**
 * Collects what a function and the declarations it ships need, each name once.
 *
 * The role decides what happens to a name that cannot follow the function as
 * code: for the function given to spawn (`spawned`), a GreenClosureError that
 * says what to do; for a function found among the values a green thread gets
 * (`value`), the same error, which the caller turns into "call it on the hub".
 */
class Collector {
  private imports: ShippedFunction['imports'] = [];
  private requires: ShippedFunction['requires'] = [];
  private constants: ShippedFunction['constants'] = [];
  private declarations: { name: string; source: string; start: number; at?: number; uses?: Set<string> }[] = [];
  /** The names the declaration being collected uses. */
  private using: Set<string> | undefined;
  private captures: ShippedFunction['captures'] = [];
  private seen = new Map<string, Variable | null>();
  private cjsLocals = false;
  private readonly values = new Map<string, unknown>();

  constructor(
    private readonly mod: ModuleInfo | undefined,
    private readonly callLine: number | undefined,
    /** The function itself, whose closure the values of captured names are read from. */
    private readonly fn: Function,
    /**
     * For the function given to spawn, where its text starts: a variable it
     * reads that is assigned only before that (`var x; x = load();`, compiled
     * code's way) holds its value by then. A function found among values
     * (undefined here) must not read a variable that is ever assigned again.
     */
    private readonly settledBefore?: number,
  ) {}

  /**
   * Where `variable` is assigned again in a way that makes a copy of it stale
   * for this function (and the declarations shipped with it, which run in its
   * green thread): after the function is made, or in another function.
   */
  private staleAt(variable: Variable): Reference | undefined {
    return reassignment(variable, this.settledBefore);
  }

  /**
   * Ships what `name` refers to. `variable` is its binding, null when it resolves
   * to no declaration; `line` is where it is used, undefined when the function
   * was not found in its module's text (then the declaration is guessed); `use`
   * is what the function that uses it does with it.
   */
  use(name: string, variable: Variable | null, line?: number, use: Use = NO_USE): void {
    this.using?.add(name);
    if (this.seen.has(name)) {
      // Used whole somewhere else: the whole value is needed.
      const captured = this.captures.find((c) => c.name === name);
      if (captured?.paths) {
        if (use.paths) captured.paths = [...captured.paths, ...use.paths];
        else delete captured.paths;
      }
      const before = this.seen.get(name);
      // One name, two bindings (a local shadows a top-level one that a shipped function uses): they would share one slot.
      if (variable && before && before !== variable && this.mod) {
        throw new GreenClosureError(name, `${this.mod.display}:${lineOf(variable.defs[0].name, this.mod)}`, 'a name that also means another binding in a function shipped along (rename one of them)');
      }
      return;
    }
    this.seen.set(name, variable);
    const mod = this.mod;
    if (variable && mod) {
      // A loader's helper (esbuild's __name) is a top-level var of the compiled module: ship our own copy.
      if (variable.scope === mod.top && mod.compiled && name in COMPILER_HELPERS) return this.helper(name);
      if (variable.scope === mod.top) return this.topLevel(name, variable, use);
      const def = variable.defs[0];
      // Inside a top-level class, its own name is a class-scope binding of that same class.
      const outer = mod.top.set.get(name);
      if (def.type === 'ClassName' && outer?.defs.some((d) => d.node === def.node)) return this.topLevel(name, outer, use);
      return this.local(name, variable, use);
    }
    // A script's own var or function (node -e, the REPL) lives on the global object: its value is captured.
    if (!mod && scriptGlobal(name)) return this.capture(name, true, true);
    // node -e and the REPL make builtin modules globals (fs, path, ...); a worker has no such globals.
    if (!mod && builtinGlobal(name)) {
      this.imports.push({ local: name, specifier: `node:${name}`, imported: 'default' });
      return;
    }
    // A global, or one looked for with `typeof` (a helper's check for a newer global): the same on the other side.
    if (name in globalThis || use.probed) return;
    if (mod?.cjs && CJS_LOCALS.has(name)) {
      this.cjsLocals = true;
      return;
    }
    if (mod?.cjs && (name === 'module' || name === 'exports')) {
      throw new GreenClosureError(name, this.at(line), `the sending module's CommonJS \`${name}\` object, which stays in this thread`);
    }
    if (mod && name in COMPILER_HELPERS) return this.helper(name);
    // Code V8 compiled without a file (node -e, the REPL): its script's bindings are read from the closure.
    if (!mod && this.valueOf(name, false) !== NO_VALUE) return this.capture(name, false);
    throw this.undeclared(name, line);
  }

  /** A binding of an enclosing function or block: its value at spawn time, copied. */
  private local(name: string, variable: Variable, use: Use): void {
    const def = variable.defs[0];
    if (!def) {
      // `arguments` of the enclosing function, seen from an arrow function.
      throw new GreenClosureError(name, this.at(), 'the `arguments` of an enclosing function, which cannot be read from outside it: give that function named parameters and use those', false);
    }
    const where = `${this.mod!.display}:${lineOf(def.name, this.mod)}`;
    if (use.written) throw this.assigns(name, where);
    const again = this.staleAt(variable);
    if (again) throw this.reassigned(name, where, again);
    if (use.mutated) throw this.changes(name, where);
    this.capture(name, false, false, use.paths);
  }

  private helper(name: string): void {
    this.declarations.push({ name, source: COMPILER_HELPERS[name], start: -1 });
  }

  private capture(name: string, outer: boolean, global = false, paths?: string[][]): void {
    this.captures.push({ name, outer, ...(global ? { global } : {}), ...(paths ? { paths } : {}) });
  }

  /** The current value of a name the function closes over (read once per description). */
  private valueOf(name: string, outer: boolean): unknown {
    if (this.values.has(name)) return this.values.get(name);
    let value: unknown = NO_VALUE;
    try {
      const found = closureValues(this.fn, [{ name, outer }]);
      if (found.has(name)) value = found.get(name);
    } catch {
      // no inspector: the name cannot be judged by its value
    }
    this.values.set(name, value);
    return value;
  }

  private at(line = this.callLine): string {
    return line === undefined ? this.mod!.display : `${this.mod!.display}:${line}`;
  }

  private assigns(name: string, where: string): GreenClosureError {
    return new GreenClosureError(
      name,
      where,
      'which the function assigns: a green thread cannot assign a variable of this thread. Return the new value instead (`x = await g.result`), or keep it in a hub object (Queue, Event)',
      false,
    );
  }

  private reassigned(name: string, where: string, at: Reference): GreenClosureError {
    return new GreenClosureError(
      name,
      where,
      `which is assigned again at line ${lineOf(at.identifier, this.mod)}, so a green thread would see a stale copy: pass its current value as an argument (spawn(fn, ${name})), or assign it only before the function is made`,
      false,
    );
  }

  private changes(name: string, where: string): GreenClosureError {
    return new GreenClosureError(
      name,
      where,
      `an object the function changes: a green thread gets a copy of it, so the change would be lost. Return what the green thread computed (\`await g.result\`), or pass a callback that changes it here: spawn(fn, (v) => ${name}.push(v))`,
      false,
    );
  }

  /** A free name that resolves to nothing; without a line, guess its declaration from the spawn call's line. */
  private undeclared(name: string, line: number | undefined): GreenClosureError {
    const mod = this.mod;
    if (!mod) {
      return new GreenClosureError(name, '<unknown>', 'which is not a global, and the code defining the function cannot be read (eval or REPL code may use globals only)');
    }
    if (!mod.cjs && (CJS_LOCALS.has(name) || name === 'module' || name === 'exports')) {
      return new GreenClosureError(name, this.at(line), 'which does not exist in an ES module');
    }
    let best: { def: Definition; scope: Scope } | undefined;
    for (const scope of line === undefined ? mod.sm.scopes : []) {
      for (const def of scope.set.get(name)?.defs ?? []) {
        const defLine = lineOf(def.name, this.mod);
        const bestLine = best ? lineOf(best.def.name, this.mod) : 0;
        if (this.callLine === undefined ? !best : defLine <= this.callLine && defLine > bestLine) best = { def, scope };
      }
    }
    if (best) return new GreenClosureError(name, `${mod.display}:${lineOf(best.def.name, this.mod)}`, localWhy(best.def, best.scope));
    return new GreenClosureError(
      name,
      this.at(line),
      'which is declared nowhere in its module nor as a global (if the module was compiled, the compiler may have renamed it)',
    );
  }

  private topLevel(name: string, variable: Variable, use: Use): void {
    const mod = this.mod!;
    const def = variable.defs[variable.defs.length - 1];
    const where = `${mod.display}:${lineOf(def.name, this.mod)}`;
    const node = def.node;
    if (def.type === 'ImportBinding' && def.parent?.type === 'ImportDeclaration') {
      if (def.parent.attributes?.length) {
        throw new GreenShipError(`spawned function uses \`${name}\` (${where}), imported with import attributes, which cannot be shipped: pass the value as an argument`);
      }
      const imported =
        node.type === 'ImportDefaultSpecifier' ? 'default'
        : node.type === 'ImportNamespaceSpecifier' ? '*'
        : node.type === 'ImportSpecifier' ? specifierName(node.imported)
        : 'default';
      this.imports.push({ local: name, specifier: this.resolve(String(def.parent.source.value), where), imported });
      return;
    }
    // A library's own binding that it exports: the carrier loads the library and takes it from there,
    // with whatever the library did to it after declaring it (Sync.stat = {...}).
    if (this.fromLibrary(name)) return;
    if (node.type === 'ClassDeclaration') return this.declaration(name, node, mod.text.slice(node.start, node.end), node.start);
    if (node.type === 'FunctionDeclaration') return this.code(name, node, mod.text.slice(node.start, node.end), node.start);
    if (node.type !== 'VariableDeclarator' || def.parent?.type !== 'VariableDeclaration') {
      throw new GreenClosureError(name, where, 'a top-level binding that cannot be shipped');
    }
    const kind = def.parent.kind;
    const required = mod.cjs ? (requireBinding(node, name) ?? this.requiredLater(name, variable)) : undefined;
    if (required) {
      this.requires.push({ local: name, ...required });
      return;
    }
    if (use.written) throw this.assigns(name, where);
    const again = this.staleAt(variable);
    if (again) throw this.reassigned(name, where, again);
    const init = compiledHelperInit(node.init);
    const fnInit = node.id.type === 'Identifier' ? functionInit(init) : undefined;
    if (fnInit) {
      const prefix = 'const ';
      return this.code(name, node, prefix + mod.text.slice(node.start, node.end) + ';', node.start - prefix.length, fnInit);
    }
    const literal = node.id.type === 'Identifier' ? primitive(init) : NOT_PRIMITIVE;
    if (literal !== NOT_PRIMITIVE) {
      this.constants.push({ name, value: literal });
      return;
    }
    // Anything else is judged by its value now: copied if it can be, else computed again on the other side.
    const value = this.valueOf(name, true);
    if (value === NO_VALUE) {
      const objectLike = /^(Object|Array|New)Expression$/.test(init?.type ?? '') || (init?.type === 'Literal' && 'regex' in init && !!init.regex);
      throw new GreenClosureError(name, where, objectLike ? `a top-level ${kind} holding an object` : `a top-level ${kind} computed when its module ran, in this thread`);
    }
    if (typeof value === 'function') {
      if (this.recompute(name, node, init)) return;
      return this.capture(name, true);
    }
    if (copiesFaithfully(value)) {
      if (use.mutated) throw this.changes(name, where);
      return this.capture(name, true);
    }
    // Only some of its properties are read: those are copied (at each call).
    if (use.paths && !use.mutated) return this.capture(name, true, false, use.paths);
    if (this.recompute(name, node, init)) return;
    throw new GreenClosureError(
      name,
      where,
      `a top-level ${kind} holding ${describeValue(value)} built when its module ran, which cannot be copied to another thread and is not computed from imports and constants alone. Call it through a function of this module (a function that uses it runs on the hub), or build it inside the green thread`,
    );
  }

  /**
   * `var x; try { x = require('a') } catch { x = require('b') }`: a binding
   * given only `require()`s of literal specifiers, at the module's top level,
   * is the module it got, found by its current value among those loaded.
   */
  private requiredLater(name: string, variable: Variable): { specifier: string; path: string[] } | undefined {
    const mod = this.mod!;
    const def = variable.defs[0];
    if (variable.defs.length !== 1 || def.node.type !== 'VariableDeclarator' || def.node.init) return undefined;
    const specifiers: string[] = [];
    for (const ref of variable.references) {
      if (!ref.isWrite()) continue;
      if (ref.from.variableScope !== variable.scope.variableScope) return undefined;
      const assigned = assignedValue(mod, ref.identifier);
      const specifier = assigned?.type === 'CallExpression' && assigned.callee.type === 'Identifier' && assigned.callee.name === 'require' && assigned.arguments.length === 1 ? primitive(assigned.arguments[0]) : undefined;
      if (typeof specifier !== 'string') return undefined;
      specifiers.push(specifier);
    }
    const value = specifiers.length ? this.valueOf(name, true) : NO_VALUE;
    if (value === NO_VALUE) return undefined;
    const requireThere = createRequire(mod.file);
    for (const specifier of specifiers) {
      try {
        const resolved = requireThere.resolve(specifier);
        // Only a module already loaded: asking require() for another would run it here.
        const loaded = isBuiltin(resolved) ? requireThere(resolved) : requireHere.cache[resolved]?.exports;
        if (loaded !== undefined && loaded === value) return { specifier, path: [] };
      } catch {
        // not this one
      }
    }
    return undefined;
  }

  /**
   * For a module of an installed package (under node_modules): when `name`
   * holds what the module exports (module.exports itself, or one of its
   * properties or named exports), records it as taken from the module, and
   * returns true. The carrier then loads the library as any code would,
   * rather than rebuilding part of it from source.
   */
  private fromLibrary(name: string): boolean {
    const mod = this.mod!;
    if (!mod.file.includes(`${sep}node_modules${sep}`)) return false;
    const value = this.valueOf(name, true);
    if (value === NO_VALUE || value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
    let exports: unknown;
    try {
      exports = mod.cjs ? (requireHere.cache[mod.file]?.exports as unknown) : requireHere(mod.file);
    } catch {
      return false;
    }
    if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return false;
    let key: string | undefined;
    if (exports !== value) {
      key = Object.keys(exports).find((k) => (exports as Record<string, unknown>)[k] === value);
      if (key === undefined) return false;
    }
    if (mod.cjs) this.requires.push({ local: name, specifier: mod.file, path: key === undefined ? [] : [key] });
    else if (key !== undefined) this.imports.push({ local: name, specifier: mod.url, imported: key });
    else return false;
    return true;
  }

  /**
   * A top-level function: shipped as source when it can be, with what it uses;
   * otherwise (it assigns or changes state of this thread, or uses what cannot
   * be copied) its value is captured, and a green thread calls it on the hub.
   */
  private code(name: string, node: Acorn.AnyNode, source: string, base: number, fnNode: Acorn.AnyNode = node): void {
    const saved = this.save();
    try {
      this.declaration(name, node, source, base, fnNode);
    } catch (e) {
      if (!(e instanceof GreenClosureError) && !(e instanceof GreenShipError)) throw e;
      this.restore(saved);
      this.seen.set(name, this.mod!.top.set.get(name) ?? null);
      if (name in INTEROP_HELPERS) {
        this.declarations.push({ name, source: INTEROP_HELPERS[name], start: node.start });
        return;
      }
      this.capture(name, true);
    }
  }

  /**
   * `const name = init` computed again in the carrier, when `init` uses only
   * what can follow it (imports, globals, constants, shippable functions).
   * False, with nothing recorded, when it cannot be.
   */
  private recompute(name: string, node: Acorn.VariableDeclarator, init: Acorn.Expression | null | undefined): boolean {
    const mod = this.mod!;
    if (!init || node.id.type !== 'Identifier') return false;
    for (const n of walk(init)) {
      // `this`, `arguments` and `super` mean something else in the carrier; a nested function's own are its business.
      if (/^(ThisExpression|Super|AwaitExpression|YieldExpression|MetaProperty)$/.test(n.type) && !insideFunction(init, n)) return false;
    }
    const saved = this.save();
    const outer = this.using;
    const uses = (this.using = new Set());
    try {
      for (const ref of referencesIn(mod, init)) {
        if (ref.identifier.name === name) continue;
        this.use(ref.identifier.name, ref.resolved, lineOf(ref.identifier, mod), NO_USE);
      }
      const text = `const ${name} = ${mod.text.slice(init.start, init.end)};`;
      const base = init.start - `const ${name} = `.length;
      this.declarations.push({ name, source: this.rewrite(text, base, init, lineOf(node, mod)), start: node.start, at: base, uses });
      return true;
    } catch (e) {
      if (!(e instanceof GreenClosureError) && !(e instanceof GreenShipError)) throw e;
      this.restore(saved);
      this.seen.set(name, mod.top.set.get(name) ?? null);
      return false;
    } finally {
      this.using = outer;
    }
  }

  private save() {
    return {
      imports: [...this.imports],
      requires: [...this.requires],
      constants: [...this.constants],
      declarations: [...this.declarations],
      captures: [...this.captures],
      seen: new Map(this.seen),
      cjsLocals: this.cjsLocals,
    };
  }

  private restore(s: ReturnType<Collector['save']>): void {
    Object.assign(this, s);
  }

  /** Ships a top-level declaration as source, and then what it uses. */
  private declaration(name: string, node: Acorn.AnyNode, source: string, base: number, fnNode: Acorn.AnyNode = node): void {
    const entry = { name, source, start: node.start, at: base, uses: new Set<string>() };
    this.declarations.push(entry);
    const outer = this.using;
    this.using = entry.uses;
    if (fnNode !== node && node.type === 'VariableDeclarator' && node.init !== fnNode) {
      // esbuild's keepNames wrapper around the function: __name(fn, "name").
      this.use('__name', this.mod!.top.set.get('__name') ?? null);
    }
    const scope = this.mod!.sm.acquire(fnNode);
    const through = scope?.through ?? [];
    const uses = usesOf(fnNode, through);
    try {
      for (const ref of through) this.use(ref.identifier.name, ref.resolved, lineOf(ref.identifier, this.mod), uses.get(ref.identifier.name));
    } finally {
      this.using = outer;
    }
    entry.source = this.rewrite(source, base, node, lineOf(node, this.mod));
  }

  /**
   * Rewrites what would change meaning in another place: `import('./x.js')` is
   * resolved from the module, not from wherever the receiver compiles it.
   * `import.meta` does not exist outside a module, so it is rejected.
   */
  rewrite(text: string, base: number, root: Acorn.Node, line: number | undefined): string {
    const edits: { start: number; end: number; text: string }[] = [];
    const where = this.mod ? `${this.mod.display}${line === undefined ? '' : ':' + line}` : '<unknown>';
    for (const node of walk(root)) {
      if (node.type === 'MetaProperty' && node.meta.name === 'import') {
        throw new GreenShipError(
          `the spawned function uses import.meta (${where}), which exists only in its module: read what you need from it outside (const url = import.meta.url) and pass it as an argument`,
        );
      }
      if (this.mod && node.type === 'ImportExpression' && node.source.type === 'Literal' && typeof node.source.value === 'string') {
        const text = JSON.stringify(this.resolve(node.source.value, where));
        edits.push({ start: node.source.start - base, end: node.source.end - base, text });
      }
    }
    for (const edit of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
    return text;
  }

  private resolve(specifier: string, where: string): string {
    try {
      return resolveSpecifier(this.mod!, specifier);
    } catch (e) {
      throw new GreenShipError(`cannot resolve '${specifier}' (imported at ${where}) from ${this.mod!.display}`, { cause: e });
    }
  }

  /** `at`: the offset in the module's text where `source` starts, when it sits there. */
  result(source: string, name: string, at?: number): ShippedFunction {
    const mod = this.mod;
    const written = writtenFile(mod, at);
    const place = (text: string, offset: number | undefined): { text: string; line?: number; column?: number } =>
      mod && offset !== undefined && offset >= 0 ? aligned(mod, text, offset, written) : { text };
    // What each declaration needs among the declarations and captured values, so the receiver
    // can make once what does not depend on a call's values.
    const local = new Set([...this.declarations.map((d) => d.name), ...this.captures.map((c) => c.name)]);
    const declarations = this.declarations
      .sort((a, b) => a.start - b.start)
      .map(({ name, source, at, uses }) => {
        const needs = [...(uses ?? [])].filter((n) => n !== name && local.has(n));
        const { text, line, column } = place(source, at);
        return Object.freeze({ name, source: text, line, column, ...(needs.length ? { needs } : {}) });
      });
    const main = place(source, at);
    const content = {
      source: main.text,
      line: main.line,
      column: main.column,
      ...(written ? { sourceUrl: pathToFileURL(written).href } : {}),
      moduleUrl: mod?.url ?? null,
      cjs: mod?.cjs ?? false,
      imports: Object.freeze(this.imports.map((i) => Object.freeze(i))) as ShippedFunction['imports'],
      requires: Object.freeze(this.requires.map((r) => Object.freeze({ ...r, path: Object.freeze(r.path) }))) as ShippedFunction['requires'],
      declarations: Object.freeze(declarations) as ShippedFunction['declarations'],
      constants: Object.freeze(this.constants.map((c) => Object.freeze(c))) as ShippedFunction['constants'],
      captures: Object.freeze(this.captures.map((c) => Object.freeze(c))) as ShippedFunction['captures'],
      cjsLocals: this.cjsLocals,
    };
    const json = JSON.stringify(content, (_key, value: unknown) => (typeof value === 'bigint' ? { bigint: String(value) } : value));
    const key = createHash('sha1').update(json).digest('hex');
    return Object.freeze({ kind: 'function', key, name, ...content });
  }
}

/**
 * An import specifier as the receiver should import it: a file URL, 'node:x', or
 * a bare specifier that only CommonJS resolution finds (the receiver resolves it
 * from the module again).
 */
function resolveSpecifier(mod: ModuleInfo, specifier: string): string {
  if (/^\.{0,2}\//.test(specifier) || specifier === '.' || specifier === '..') return new URL(specifier, mod.url).href;
  if (isBuiltin(specifier)) return specifier.startsWith('node:') ? specifier : 'node:' + specifier;
  if (/^[a-z][a-z\d+.-]*:/i.test(specifier)) return specifier;
  try {
    return resolveImport(specifier, mod.url);
  } catch {
    createRequire(mod.file).resolve(specifier);
    return specifier;
  }
}

function specifierName(node: Acorn.Identifier | Acorn.Literal): string {
  return node.type === 'Identifier' ? node.name : String(node.value);
}

function localWhy(def: Definition, scope: Scope): string {
  const where = scope.type === 'function' ? 'an enclosing function' : 'an enclosing block';
  switch (def.type) {
    case 'Parameter':
      return `a parameter of ${where}`;
    case 'CatchClause':
      return 'the error of an enclosing `catch`';
    case 'FunctionName':
      return `a function declared inside ${where} (only top-level functions are shipped)`;
    case 'ClassName':
      return `a class declared inside ${where} (only top-level classes are shipped)`;
    case 'Variable':
      return `a local \`${def.parent?.type === 'VariableDeclaration' ? def.parent.kind : 'variable'}\` of ${where}`;
  }
  return `a local of ${where}`;
}

/** `x = require('m')`, `x = require('m').a.b` and `{ a, b: x } = require('m')`, as `x` sees them. */
function requireBinding(node: Acorn.VariableDeclarator, name: string): { specifier: string; path: string[]; interop?: true } | undefined {
  const path: string[] = [];
  let init: Acorn.AnyNode | null | undefined = node.init;
  // esbuild's CommonJS form of `import x from 'm'`: __toESM(require('m')).
  if (init?.type === 'CallExpression' && init.callee.type === 'Identifier' && init.callee.name === '__toESM' && init.arguments.length >= 1) {
    const inner = requireBinding({ ...node, init: init.arguments[0] } as Acorn.VariableDeclarator, name);
    return inner && inner.path.length === 0 ? { ...inner, interop: true } : undefined;
  }
  while (init?.type === 'MemberExpression') {
    const key = propertyName(init.property, init.computed);
    if (key === undefined) return undefined;
    path.unshift(key);
    init = init.object;
  }
  if (init?.type !== 'CallExpression' || init.callee.type !== 'Identifier' || init.callee.name !== 'require' || init.arguments.length !== 1) return undefined;
  const specifier = primitive(init.arguments[0]);
  if (typeof specifier !== 'string') return undefined;
  if (node.id.type === 'Identifier') return { specifier, path };
  if (node.id.type !== 'ObjectPattern') return undefined;
  for (const prop of node.id.properties) {
    if (prop.type === 'Property' && prop.value.type === 'Identifier' && prop.value.name === name) {
      const key = propertyName(prop.key, prop.computed);
      return key === undefined ? undefined : { specifier, path: [...path, key] };
    }
  }
  return undefined;
}

function propertyName(node: Acorn.AnyNode, computed: boolean): string | undefined {
  if (!computed && node.type === 'Identifier') return node.name;
  const value = primitive(node);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The value of a primitive literal: `1`, `-1`, `'s'`, `` `s` ``, `10n`, `null`, `undefined`. */
function primitive(node: Acorn.AnyNode | null | undefined): Constant | typeof NOT_PRIMITIVE {
  if (!node) return NOT_PRIMITIVE;
  if (node.type === 'Literal') {
    if (node.bigint !== undefined) return BigInt(node.bigint);
    return node.value instanceof RegExp || node.regex ? NOT_PRIMITIVE : (node.value as Constant);
  }
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked ?? NOT_PRIMITIVE;
  if (node.type === 'UnaryExpression' && node.operator === '-') {
    const value = primitive(node.argument);
    return typeof value === 'number' || typeof value === 'bigint' ? -value : NOT_PRIMITIVE;
  }
  if (node.type === 'Identifier' && node.name === 'undefined') return undefined;
  return NOT_PRIMITIVE;
}

/**
 * The function a top-level const holds: `(…) => …`, `function …`, `class …`,
 * or the same wrapped by esbuild's keepNames helper, `__name(fn, "name")`.
 */
function functionInit(init: Acorn.AnyNode | null | undefined): Acorn.AnyNode | undefined {
  if (!init) return undefined;
  if (/^(ArrowFunction|Function|Class)Expression$/.test(init.type)) return init;
  if (init.type === 'CallExpression' && init.callee.type === 'Identifier' && init.callee.name === '__name') {
    const first = init.arguments[0];
    if (first && /^(ArrowFunction|Function|Class)Expression$/.test(first.type)) return first;
  }
  return undefined;
}

/**
 * Where `variable` is assigned after its declaration, or undefined when it
 * never is. The update clause of a `for (let ...)` loop does not count: each
 * turn of the loop has its own binding, which a closure made in it keeps;
 * nor do assignments that end before offset `settledBefore`.
 */
function reassignment(variable: Variable, settledBefore?: number): Reference | undefined {
  const scope = variable.scope;
  const update = scope.type === 'for' ? (scope.block as Acorn.ForStatement).update : null;
  for (const ref of variable.references) {
    if (!ref.isWrite() || ref.init) continue;
    // Straight-line code of the declaring function, before the function is made: done by then.
    // (An assignment in another function may run at any time.)
    if (settledBefore !== undefined && ref.identifier.end <= settledBefore && ref.from.variableScope === scope.variableScope) continue;
    if (update && ref.identifier.start >= update.start && ref.identifier.end <= update.end) continue;
    return ref;
  }
  return undefined;
}

/** tsc's helpers are `(this && this.__x) || function ...`: at a module's top level, the function. */
function compiledHelperInit(init: Acorn.Expression | null | undefined): Acorn.Expression | null | undefined {
  if (init?.type !== 'LogicalExpression' || init.operator !== '||') return init;
  const left = init.left;
  return left.type === 'LogicalExpression' && left.operator === '&&' && left.left.type === 'ThisExpression' ? init.right : init;
}

/** `node` sits inside a non-arrow function within `root` (where `this` and `arguments` are its own). */
function insideFunction(root: Acorn.Node, node: Acorn.Node): boolean {
  for (const n of walk(root)) {
    if (n !== root && (n.type === 'FunctionExpression' || n.type === 'FunctionDeclaration') && n.start <= node.start && node.end <= n.end) return true;
  }
  return false;
}

/** References from inside `init` to names declared outside it. */
function referencesIn(mod: ModuleInfo, init: Acorn.Node): Reference[] {
  const out: Reference[] = [];
  const within = (n: Acorn.Node) => n.start >= init.start && n.end <= init.end;
  for (const scope of mod.sm.scopes) {
    const b = scope.block;
    const refs = b.start >= init.start && b.end <= init.end ? scope.through : scope === mod.top || scope === mod.sm.globalScope ? (scope as Scope & { references?: Reference[] }).references ?? [] : [];
    for (const ref of refs) {
      if (!within(ref.identifier)) continue;
      if (ref.resolved && within(ref.resolved.defs[0]?.name ?? ref.identifier) && ref.resolved.scope !== mod.top) continue;
      if (!out.includes(ref)) out.push(ref);
    }
  }
  return out;
}


/**
 * A var or function a script (node -e, the REPL) declared: an own global
 * that cannot be deleted, unlike the globals Node and V8 define.
 */
function scriptGlobal(name: string): boolean {
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  return !!d && !d.configurable && name !== 'NaN' && name !== 'Infinity' && name !== 'undefined';
}







/** An arrow function (the whole of `ast`) that uses the `this` of the function around it. */
function usesOuterThis(ast: Acorn.Program): boolean {
  const fn = (ast.body[0] as Acorn.ExpressionStatement | undefined)?.expression;
  if (fn?.type !== 'ArrowFunctionExpression') return false;
  const own: Acorn.Node[] = [];
  for (const node of walk(fn)) {
    if (node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration' || node.type === 'ClassBody') own.push(node);
    else if (node.type === 'ThisExpression' && !own.some((f) => f.start <= node.start && node.end <= f.end)) return true;
  }
  return false;
}



/** The expression assigned to `id` by the `id = expression` it is the target of, if any. */
function assignedValue(mod: ModuleInfo, id: Acorn.Identifier): Acorn.Expression | undefined {
  for (const node of walk(mod.sm.globalScope.block)) {
    if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left === id) return node.right;
    if (node.start > id.start) break;
  }
  return undefined;
}

/** A builtin module that node -e or the REPL put on the global object under its name. */
function builtinGlobal(name: string): boolean {
  if (!isBuiltin(name) || name.includes('/') || !Object.getOwnPropertyDescriptor(globalThis, name)) return false;
  try {
    return (globalThis as Record<string, unknown>)[name] === requireHere(`node:${name}`);
  } catch {
    return false;
  }
}
