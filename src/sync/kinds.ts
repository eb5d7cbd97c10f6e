/**
 * Loads every facade class so each registers its kind: a carrier must be able
 * to revive a handle before user code has imported the class.
 *
 * Runs on every thread.
 */
import './event.js';
import './semaphore.js';
import './queue.js';
import './pool.js';
import './callback.js';
import '../net/socket.js';
import '../net/http.js';
