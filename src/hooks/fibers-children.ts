/**
 * Preloaded (NODE_OPTIONS `--import`) into the node processes that an
 * application running with greenthread's fibers drop-in starts: in them too,
 * `require('fibers')` loads greenthread's shim, as it loaded node-fibers in
 * every process where that was installed. It loads nothing else.
 *
 * Runs on the main thread of such a child process (and its workers, which
 * do not read NODE_OPTIONS again).
 */
import { patchFibers } from '../patches/fibers.js';

patchFibers();
