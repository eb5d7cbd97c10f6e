/**
 * What is pending on this carrier's event loop, for a fiber's host: the
 * handles and requests Node reports, plus the DNS queries it does not
 * (`dns.resolve4` and the other c-ares queries are missing from
 * process.getActiveResourcesInfo()). wait.for's own example waits on one.
 *
 * Runs on every thread; asked only in fiber hosts (carriers), where it first
 * wraps the queries.
 */
import dns from 'node:dns';

let inFlight = 0;
let counting = false;

const QUERIES = [
  'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
  'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse',
] as const;

/** Wraps the callback forms of dns's queries (module functions and Resolver methods) to count those in flight. */
function countQueries(): void {
  if (counting) return;
  counting = true;
  const wrap = (target: Record<string, unknown>, name: string) => {
    const original = target[name];
    if (typeof original !== 'function') return;
    target[name] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb !== 'function') return original.apply(this, args);
      inFlight++;
      let done = false;
      args[last] = function (this: unknown, ...result: unknown[]) {
        if (!done) {
          done = true;
          inFlight--;
        }
        return cb.apply(this, result);
      };
      try {
        return original.apply(this, args);
      } catch (err) {
        if (!done) {
          done = true;
          inFlight--;
        }
        throw err;
      }
    };
  };
  for (const name of QUERIES) {
    wrap(dns as unknown as Record<string, unknown>, name);
    wrap(dns.Resolver.prototype as unknown as Record<string, unknown>, name);
  }
}

/** How much work is pending on this loop: its handles and requests, and DNS queries in flight. */
export function pendingWork(): number {
  countQueries();
  return process.getActiveResourcesInfo().length + inFlight;
}
