/**
 * Module hooks for `--import greenthread/register`: node's own load of the
 * entry module becomes an empty module, because the entry runs as green
 * thread 0 in a carrier instead.
 *
 * `resolve`/`initialize` run on node's module-hooks thread (module.register);
 * `skipMainSync` runs in the main thread (module.registerHooks).
 */
const EMPTY = { url: 'data:text/javascript,', format: 'module', shortCircuit: true } as const;

/** A synchronous resolve hook for module.registerHooks: the entry, once, becomes an empty module. */
export function skipMainSync(mainURL: string) {
  let pending = true;
  return (specifier: string, context: ResolveContext, next: (s: string, c: ResolveContext) => { url: string }) => {
    const resolved = next(specifier, context);
    if (pending && context.parentURL === undefined && resolved.url === mainURL) {
      pending = false;
      return EMPTY;
    }
    return resolved;
  };
}
let mainURL: string | undefined;

export function initialize(data: { mainURL: string }): void {
  mainURL = data.mainURL;
}

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve) {
  const resolved = await next(specifier, context);
  if (mainURL !== undefined && context.parentURL === undefined && resolved.url === mainURL) {
    mainURL = undefined;
    return EMPTY;
  }
  return resolved;
}
