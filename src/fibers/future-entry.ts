/**
 * `greenthread/future`: node-fibers' `Future`. Like `require('fibers/future')`,
 * `require('greenthread/future')` returns the Future class itself.
 *
 * @example
 * ```js
 * const Future = require('greenthread/future')
 * const f = new Future()
 * setTimeout(() => f.return(42), 10)
 * f.resolve((err, v) => console.log(v)) // 42
 * ```
 */
import { Future } from './future.js';

// `const { Future } = require('greenthread/future')` as well as `const Future = require(...)`.
Object.defineProperty(Future, 'Future', { value: Future, configurable: true });

export { Future, Future as 'module.exports' };
export default Future;
