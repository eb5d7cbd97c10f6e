// legacy: the serial way. Plain node, no greenthread: jobs one after the
// other on the main thread, as the unmodified program runs them.
//
//   node bench/legacy/serial.js <library> <jobs> <context as JSON>   (started by run.js)
import { runRounds } from './rounds.js';

await runRounds('serial', async (url, lib, n, ctx) => {
  const { default: runJob } = await import(url);
  const out = [];
  for (let i = 0; i < n; i++) out.push(await runJob(lib, i, ctx));
  return out;
});
