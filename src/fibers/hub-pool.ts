/**
 * `Fiber.poolSize = n` set in a green thread (an app under `greenthread run`
 * runs in one): the pool is the hub's, so the setting is made there.
 * Shipped to the hub with runInHub by its module's URL (its default export).
 *
 * Runs on the hub (shipped there by ./fiber.ts).
 */
import { getHub } from '../hub-access.js';

/** Keeps `n` carriers warm, raising maxCarriers to `n` if it is lower. */
export default function setPoolSize(n: number): number {
  const hub = getHub();
  hub.configure({ minCarriers: n, maxCarriers: Math.max(n, hub.options.maxCarriers) });
  return n;
}
