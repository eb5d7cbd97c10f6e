/**
 * Where a function was defined, asked of V8 itself through an in-process
 * inspector session: the script's URL, whether it is an ES module, the exact
 * source V8 compiled (after any loader such as tsx transformed it) and the
 * position of the function in it.
 *
 * The spawn call site does not tell which module defines a function
 * (`import { work } from './tasks.js'; spawn(work)`), and a file on disk is
 * not what V8 ran when a loader compiled it. V8's own answer is exact for
 * both. It costs a few milliseconds, once per distinct function: callers
 * cache the result.
 *
 * The script's URL and source come from the debugger, whose first enabling
 * costs tens of milliseconds (it replays every script parsed so far), and
 * about ten each later time. When the caller names the file it expects (the
 * spawn call site), and that file on disk holds the function's own text at
 * the position V8 reports, the file is the script: no debugger is needed.
 * A loader that rewrote the file, or a function from another module, fails
 * that check and takes the debugger's way.
 *
 * Runs on any thread (hub or carrier).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ask, inspectorSession, withFunction } from './inspector.js';

export interface FunctionSite {
  scriptId: string;
  url: string;
  isModule: boolean;
  /** The script's source as V8 compiled it. */
  source: string;
  /** 0-based line and column of the function (its parameter list) in `source`. */
  line: number;
  column: number;
}

const sources = new Map<string, { url: string; isModule: boolean; source: string }>();

/** The index in `text` of 0-based `line`:`column` (V8's numbering), or undefined past its end. */
export function offsetOf(text: string, line: number, column: number): number | undefined {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return undefined;
    offset = nl + 1;
  }
  return offset + column;
}

/**
 * The script at `file` (a script name as V8 gives it in stack frames: a
 * file: URL for an ES module, a path for CommonJS), read from disk, when it
 * holds `fn`'s source text around 0-based `line`:`column`.
 */
function scriptOnDisk(file: string, fn: Function, line: number, column: number): { url: string; isModule: boolean; source: string } | undefined {
  const isModule = file.startsWith('file:');
  if (!isModule && !file.startsWith('/')) return undefined;
  let source: string;
  try {
    source = readFileSync(isModule ? fileURLToPath(file) : file, 'utf8');
  } catch {
    return undefined;
  }
  const offset = offsetOf(source, line, column);
  if (offset === undefined) return undefined;
  const text = Function.prototype.toString.call(fn);
  const start = source.lastIndexOf(text, offset);
  return start >= 0 && start + text.length > offset ? { url: file, isModule, source } : undefined;
}

/**
 * Where `fn` is defined, or undefined when V8 cannot say (no inspector, native code).
 * @param expectedFile the script name (as in stack frames) of the module `fn` is
 *   probably defined in: checked against the file on disk, it saves a debugger round.
 */
export function locateFunction(fn: Function, expectedFile?: string): FunctionSite | undefined {
  const s = inspectorSession();
  if (!s) return undefined;
  try {
    return withFunction(s, fn, (internal) => {
      const loc = internal.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as
        | { scriptId: string; lineNumber: number; columnNumber: number }
        | undefined;
      if (!loc) return undefined;
      let script = sources.get(loc.scriptId);
      if (!script && expectedFile) {
        script = scriptOnDisk(expectedFile, fn, loc.lineNumber, loc.columnNumber);
        if (script) sources.set(loc.scriptId, script);
      }
      if (!script) {
        // Enabling the debugger replays every script parsed so far, with its URL; it stays enabled only for this lookup.
        const parsed = new Map<string, { url: string; isModule: boolean }>();
        s.on('Debugger.scriptParsed', ({ params }) => {
          if (params.scriptId === loc.scriptId) parsed.set(params.scriptId, { url: params.url, isModule: !!params.isModule });
        });
        try {
          ask(s, 'Debugger.enable');
          const info = parsed.get(loc.scriptId);
          if (!info) return undefined;
          const { scriptSource } = ask(s, 'Debugger.getScriptSource', { scriptId: loc.scriptId });
          script = { ...info, source: scriptSource as string };
          sources.set(loc.scriptId, script);
        } finally {
          s.removeAllListeners('Debugger.scriptParsed');
          ask(s, 'Debugger.disable');
        }
      }
      return { scriptId: loc.scriptId, ...script, line: loc.lineNumber, column: loc.columnNumber };
    });
  } catch {
    return undefined;
  }
}
