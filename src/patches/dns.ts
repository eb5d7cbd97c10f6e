/**
 * dns, green: blocking `lookupSync(host, options)` (the system resolver,
 * getaddrinfo, as dns.lookup) and `resolveSync(host, rrtype)` (c-ares, as
 * dns.resolve). Node has no synchronous DNS: these are added, to node:dns by
 * monkeyPatch({ dns }) and exported from greenthread. The hub runs the async
 * query while the green thread is parked; answers and errors (ENOTFOUND,
 * ENODATA, ... with errno, syscall and hostname) are the async versions' own.
 *
 * Runs in carriers; on the hub it cannot park and throws HubBlockingError.
 */
import dns from 'node:dns';
import { carrierBackend } from '../backend.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import { patchModule } from './registry.js';

/** The names this patch adds. */
export const implementsNames = ['lookupSync', 'resolveSync'] as const;

function backendFor(what: string) {
  const b = carrierBackend();
  if (!b) throw new HubBlockingError(what);
  return b;
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
  return backendFor('lookupSync').dns('lookup', host, opts) as dns.LookupAddress | dns.LookupAddress[];
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
  return backendFor('resolveSync').dns('resolve', host, rrtype);
}

/** Adds lookupSync and resolveSync to node:dns. */
export function patchDns(): void {
  patchModule('dns', dns as unknown as Record<string, unknown>, { lookupSync, resolveSync });
}
