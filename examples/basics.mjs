// spawn, wait, kill, link: the green-thread basics, from the hub (this main
// thread) and from inside green threads.
//
//   node examples/basics.mjs
import { spawn, sleep, current, GreenThreadExit } from '../dist/index.js';

// A top-level function: shipped to the carrier with what it uses.
function fetchPrice(symbol, ms) {
  sleep(ms); // parks this green thread only
  return { symbol, price: symbol.length * 10, by: current().id };
}

// A green thread that fans out to children and waits on each (blocking style).
function portfolio(symbols) {
  const children = symbols.map((s, i) => spawn(fetchPrice, s, 50 + i * 10));
  return children.map((g) => g.wait());
}

const started = performance.now();
const g = spawn(portfolio, ['ACME', 'INITECH', 'HOOLI']);
g.link((err, value) => console.log('link: ended', err ? `with ${err}` : `with ${value.length} prices`));
console.log('prices:', await g.result);
console.log(`took ${(performance.now() - started).toFixed(0)} ms (the three children slept at the same time)`);

// kill: GreenThreadExit is thrown at the park point, finally blocks run.
function worker() {
  try {
    sleep(60_000);
  } finally {
    console.log('worker: cleaning up after kill');
  }
}
const w = spawn(worker);
await new Promise((r) => setTimeout(r, 100));
w.kill('shutting down');
const exit = await w.result;
console.log('killed:', w.killed, exit instanceof GreenThreadExit, exit.message);

// kill({ force: true }) ends even a green thread stuck in a CPU loop.
const stuck = spawn(() => { for (;;); });
await new Promise((r) => setTimeout(r, 100));
stuck.kill({ force: true });
console.log('force-killed a CPU loop:', (await stuck.result) instanceof GreenThreadExit);
