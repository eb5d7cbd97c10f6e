/**
 * Module hooks for `--import greenthread/register`: node's own load of the
 * entry module becomes an empty module, because the entry runs as green
 * thread 0 in a carrier instead.
 *
 * Runs on node's module-hooks thread.
 */
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
    return { url: 'data:text/javascript,', format: 'module', shortCircuit: true };
  }
  return resolved;
}
