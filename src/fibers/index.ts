/**
 * `greenthread/fibers`: node-fibers' `Fiber` on green threads. Like
 * `require('fibers')`, `require('greenthread/fibers')` returns the Fiber
 * function itself (Node's `module.exports` export name, understood by
 * require() of ES modules); `import Fiber from 'greenthread/fibers'` and
 * `import { Fiber } from 'greenthread/fibers'` work too.
 *
 * @example
 * ```js
 * const Fiber = require('greenthread/fibers')
 * const f = Fiber((x) => Fiber.yield(x * 2) + 1)
 * console.log(f.run(20)) // 40
 * console.log(f.run(1))  // 2
 * ```
 */
import { Fiber } from './fiber.js';

export { Fiber, Fiber as 'module.exports' };
export type { FiberConstructor } from './fiber.js';
export { FiberError, fiberCodes } from './errors.js';
export default Fiber;
