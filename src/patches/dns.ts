/**
 * dns, green: blocking `lookupSync(host, options)` (the system resolver,
 * getaddrinfo, as dns.lookup) and `resolveSync(host, rrtype)` (c-ares, as
 * dns.resolve). Node has no synchronous DNS: these are added, to node:dns by
 * monkeyPatch({ dns }) and exported from greenthread. The hub runs the async
 * query while the green thread is parked; answers and errors (ENOTFOUND,
 * ENODATA, ... with errno, syscall and hostname) are the async versions' own.
 *
 * Runs in carriers. On the hub thread nothing can park: with the optional
 * deasync installed, the query runs while the hub's loop keeps turning;
 * without it, HubBlockingError (Node has no blocking DNS call to fall back to).
 */
import dns from 'node:dns';
import { carrierBackend } from '../backend.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import { hubBlocking } from '../hub-access.js';
import { counter, patchModule } from './registry.js';

/** The names this patch adds. */
export const implementsNames = ['lookupSync', 'resolveSync'] as const;

const calls = { lookupSync: counter('dns', 'lookupSync'), resolveSync: counter('dns', 'resolveSync') };

function query(what: 'lookupSync' | 'resolveSync', kind: 'lookup' | 'resolve', host: string, extra: unknown): unknown {
  calls[what].n++;
  const b = carrierBackend();
  if (b) return b.dns(kind, host, extra);
  const onHub = hubBlocking().dnsOnHub(kind, host, extra);
  if (!onHub) throw new HubBlockingError(what);
  return onHub.value;
}

/**
 * Resolves a host name the way dns.lookup does (getaddrinfo: /etc/hosts,
 * then DNS), parking the green thread meanwhile.
 *
 * @example
 * ```ts
 * const { address, family } = lookupSync('localhost')
 * const all = lookupSync('example.com', { all: true })
 * ```
 */
export function lookupSync(host: string, options?: dns.LookupOptions | number): dns.LookupAddress | dns.LookupAddress[] {
  if (typeof host !== 'string') throw new GreenArgumentError(`lookupSync(host): host must be a string, got ${typeof host}`);
  const opts = typeof options === 'number' ? { family: options } : (options ?? {});
  return query('lookupSync', 'lookup', host, opts) as dns.LookupAddress | dns.LookupAddress[];
}

/**
 * Queries DNS the way dns.resolve does (c-ares: DNS only, no /etc/hosts),
 * parking the green thread meanwhile. `rrtype` defaults to 'A'.
 *
 * @example
 * ```ts
 * const mx = resolveSync('example.com', 'MX')
 * ```
 */
export function resolveSync(host: string, rrtype = 'A'): unknown {
  if (typeof host !== 'string') throw new GreenArgumentError(`resolveSync(host): host must be a string, got ${typeof host}`);
  return query('resolveSync', 'resolve', host, rrtype);
}

/** Adds lookupSync and resolveSync to node:dns. */
export function patchDns(): void {
  patchModule('dns', dns as unknown as Record<string, unknown>, { lookupSync, resolveSync });
}
