/**
 * One in-process inspector session per thread, asked synchronously: where V8
 * compiled a function (./locate.ts) and what its closure holds (the values a
 * spawned function captures, ./capture.ts).
 *
 * An in-process session answers before `post` returns; `ask` makes that
 * explicit and throws when it does not.
 *
 * Runs on any thread (hub or carrier).
 */
import { createRequire } from 'node:module';

export interface InspectorSession {
  connect(): void;
  post(method: string, params: object, cb: (err: Error | null, result: any) => void): void;
  on(event: string, listener: (message: { params: any }) => void): void;
  removeAllListeners(event: string): void;
}

let session: InspectorSession | null | undefined;
const PROBE = '__greenthreadInspectorProbe__';
const GROUP = 'greenthread';

/** This thread's session, or null when Node was built without the inspector. */
export function inspectorSession(): InspectorSession | null {
  if (session !== undefined) return session;
  try {
    const { Session } = createRequire(import.meta.url)('node:inspector') as { Session: new () => InspectorSession };
    const s = new Session();
    s.connect();
    session = s;
  } catch {
    session = null;
  }
  return session;
}

/** Posts `method` and returns its answer. */
export function ask(s: InspectorSession, method: string, params: object = {}): any {
  let out: any;
  let failure: Error | null = null;
  let answered = false;
  s.post(method, params, (err, result) => {
    answered = true;
    failure = err;
    out = result;
  });
  if (!answered) throw new Error(`inspector did not answer ${method} synchronously`);
  if (failure) throw failure;
  return out;
}

interface InternalProperty {
  name: string;
  value?: { value?: any; objectId?: string };
}

// The last function asked about keeps its remote objects, so that reading its
// closure right after finding where it is defined (a spawn of a new closure)
// costs one round instead of three. They hold the function and what it
// captures: they are let go at the next turn of the event loop.
let last: { fn: WeakRef<Function>; internal: InternalProperty[] } | undefined;
let releasing: NodeJS.Timeout | undefined;

function release(s: InspectorSession): void {
  last = undefined;
  clearTimeout(releasing);
  releasing = undefined;
  try {
    ask(s, 'Runtime.releaseObjectGroup', { objectGroup: GROUP });
  } catch {
    // nothing held
  }
}

/**
 * Runs `body` with the internal properties of `fn` ([[FunctionLocation]],
 * [[Scopes]]), whose remote objects stay valid until another function is
 * asked about.
 */
export function withFunction<T>(s: InspectorSession, fn: Function, body: (internal: InternalProperty[]) => T): T {
  if (last?.fn.deref() !== fn) {
    if (last) release(s);
    const g = globalThis as Record<string, unknown>;
    try {
      g[PROBE] = fn;
      const { result } = ask(s, 'Runtime.evaluate', { expression: `globalThis.${PROBE}`, objectGroup: GROUP });
      const props = ask(s, 'Runtime.getProperties', { objectId: result.objectId, ownProperties: true });
      last = { fn: new WeakRef(fn), internal: (props.internalProperties as InternalProperty[] | undefined) ?? [] };
      releasing = setTimeout(() => release(s), 0).unref();
    } catch (e) {
      release(s);
      throw e;
    } finally {
      delete g[PROBE];
    }
  }
  return body(last!.internal);
}

/**
 * Reads, from the scopes `fn` closes over, the current value of each name.
 * A name marked `outer` is looked up from the outermost scope inward (a
 * module's top level, even where an enclosing function shadows it), others
 * from the innermost outward. The global scope is never read.
 *
 * @returns the values by name; a name no scope holds is absent.
 * @throws Error when the inspector is missing or V8 shows no scopes.
 */
export function closureValues(fn: Function, names: readonly { name: string; outer: boolean }[]): Map<string, unknown> {
  const s = inspectorSession();
  if (!s) throw new Error('this Node has no inspector to read what the function captures');
  return withFunction(s, fn, (internal) => {
    const scopes = internal.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    if (!scopes) throw new Error('V8 shows no scopes for this function');
    const g = globalThis as Record<string, unknown>;
    try {
      // One call in the page: the scope list is walked where its objects live.
      ask(s, 'Runtime.callFunctionOn', {
        objectId: scopes,
        functionDeclaration: `function (names) {
          const own = [];
          for (let i = 0; i < this.length; i++) if (this[i].description !== 'Global') own.push(this[i].object);
          const out = new Map();
          for (const { name, outer } of names) {
            const order = outer ? [...own].reverse() : own;
            for (const scope of order) if (name in scope) { out.set(name, scope[name]); break; }
          }
          globalThis.${PROBE} = out;
        }`,
        arguments: [{ value: names }],
        objectGroup: GROUP,
      });
      return g[PROBE] as Map<string, unknown>;
    } finally {
      delete g[PROBE];
    }
  });
}
