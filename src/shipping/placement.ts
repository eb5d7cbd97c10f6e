/**
 * Where shipped code sits in the file the user wrote: the line and column of
 * a function or declaration, and, for a module a loader compiled, its text
 * laid out again on the lines its source map gives. The receiver
 * (./materialize.ts) places each piece on its line, so that stack traces of
 * green threads name the user's own lines.
 *
 * Runs on any thread.
 */
import { existsSync } from 'node:fs';
import { createRequire, findSourceMap } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Acorn from 'acorn';
import type { ModuleInfo } from './scopes.js';

const requireHere = createRequire(import.meta.url);

/** A path from a path or a file: URL; undefined for what is neither. */
export function toPath(file: string): string | undefined {
  try {
    return file.startsWith('file:') ? fileURLToPath(file) : file;
  } catch {
    return undefined;
  }
}

const NO_BREAK_AFTER = new Set(['return', 'throw', 'break', 'continue', 'yield', 'async', 'let']);

/** 1-based line and 0-based column of `offset` in the module's text. */
export function positionOf(mod: ModuleInfo, offset: number): { line: number; column: number } {
  const starts = (mod.lineStarts ??= lineStarts(mod.text));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/**
 * Where `text` (found at `offset` of the module's text) sits in the file the
 * user wrote. For a module a loader compiled (tsx), positions come from its
 * source map, and the text is laid out again so that each token that starts
 * a line of the file starts that line here too: then stack traces of the
 * rebuilt code name the file's own lines and columns. Breaks go only where
 * they cannot change the meaning (not within a template's text, not after
 * `return` and its kin, not before a postfix `++` or `=>`).
 */
export function aligned(mod: ModuleInfo, text: string, offset: number, target = mod.file): { text: string; line: number; column: number } {
  const start = positionOf(mod, offset);
  const map = sourceMapOf(mod);
  if (!map) return { text, ...start };
  const original = (line: number, column: number): { line: number; column: number } | undefined => {
    const e = map.findEntry(line - 1, column) as { originalLine?: number; originalColumn?: number; originalSource?: string };
    if (e?.originalLine === undefined || !e.originalSource || toPath(e.originalSource) !== toPath(target)) return undefined;
    return { line: e.originalLine + 1, column: e.originalColumn ?? 0 };
  };
  const first = original(start.line, start.column) ?? start;
  let tokens: Acorn.Token[];
  try {
    tokens = [...(requireHere('acorn') as typeof Acorn).tokenizer(text, { ecmaVersion: 'latest', locations: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true })];
  } catch {
    return { text, ...first };
  }
  let out = '';
  let line = first.line;
  let end = 0;
  let previous: Acorn.Token | undefined;
  for (const token of tokens) {
    const loc = token.loc!.start;
    const at = previous && mayBreakBefore(previous, token) ? original(start.line + loc.line - 1, loc.line === 1 ? start.column + loc.column : loc.column) : undefined;
    if (at && at.line > line) {
      out += '\n'.repeat(at.line - line) + ' '.repeat(at.column);
      line = at.line;
    } else {
      const gap = text.slice(end, token.start);
      out += gap;
      line += countNewlines(gap);
    }
    const own = text.slice(token.start, token.end);
    out += own;
    line += countNewlines(own);
    end = token.end;
    previous = token;
  }
  return { text: out + text.slice(end), ...first };
}

function mayBreakBefore(previous: Acorn.Token, token: Acorn.Token): boolean {
  const label = token.type.label;
  // Inside a template's text, and the restricted productions of automatic semicolon insertion.
  if (label === 'template' || label === '`' || label === '${' || label === '++/--' || label === '=>') return false;
  const before = previous.type.label;
  if (before === '`' || before === 'template') return false;
  return !(NO_BREAK_AFTER.has(before) || (before === 'name' && NO_BREAK_AFTER.has(String((previous as { value?: unknown }).value))));
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function sourceMapOf(mod: ModuleInfo): ReturnType<typeof findSourceMap> | undefined {
  try {
    return mod.compiled ? findSourceMap(mod.file) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file the user wrote, when the module is the output of a compiler whose
 * source map names another file (tsc's app.js for app.ts, with
 * --enable-source-maps): stack traces of the rebuilt code then name that file.
 */
export function writtenFile(mod: ModuleInfo | undefined, offset: number | undefined): string | undefined {
  if (!mod || offset === undefined || offset < 0) return undefined;
  const map = sourceMapOf(mod);
  if (!map) return undefined;
  const start = positionOf(mod, offset);
  const e = map.findEntry(start.line - 1, start.column) as { originalSource?: string };
  const file = e?.originalSource ? toPath(e.originalSource) : undefined;
  return file && isAbsolute(file) && file !== mod.file && existsSync(file) ? file : undefined;
}
