// deasync: the blocking handler on the main thread, the way a plain
// `node app.js` with legacy code runs it, made livable by greenthread's
// hub-thread fallback: after monkeyPatch(), execSync on the main thread
// starts the child asynchronously and deasync keeps the event loop turning
// until it ends, so other connections go on being served. Those waits nest
// (last in, first out). readFileSync on the main thread is Node's own.
import { monkeyPatch } from '../../../dist/index.js';
import { blockingServer, listen, ready } from './common.js';

monkeyPatch();
const { handle } = await import('../work.js');

const server = blockingServer(handle);
ready(await listen(server));
