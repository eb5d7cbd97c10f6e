/**
 * `greenthread/future`: node-fibers' `Future`. Like `require('fibers/future')`,
 * `require('greenthread/future')` returns the Future class itself, and
 * defines `Function.prototype.future` in this thread (and in fibers started
 * from it), as fibers/future did when loaded.
 *
 * @example
 * ```js
 * const Future = require('greenthread/future')
 * const f = new Future()
 * setTimeout(() => f.return(42), 10)
 * f.resolve((err, v) => console.log(v)) // 42
 * ```
 */
import { enableFunctionPrototype, Future } from './future.js';

// fibers/future-era code calls fn.future() right after the require.
enableFunctionPrototype();

// `const { Future } = require('greenthread/future')` as well as `const Future = require(...)`.
Object.defineProperty(Future, 'Future', { value: Future, configurable: true });

export { Future, Future as 'module.exports' };
export default Future;
