/**
 * First module of a carrier: turns a compile cache on before anything else
 * is compiled (Node's own where it has one, see compile-cache.ts; else the
 * carrier's, for large CommonJS files, see code-cache.ts), then loads the
 * carrier itself, so that its own modules and the libraries its green
 * threads load compile from the cache.
 *
 * Runs on a carrier only.
 */
import { enableCompileCache } from '../compile-cache.js';
import { installCodeCache } from './code-cache.js';

if (!enableCompileCache() && process.env.NODE_DISABLE_COMPILE_CACHE !== '1') installCodeCache();
await import('./main.js');
