// better-sqlite3: a synchronous SQLite binding (a native addon). Each job
// builds an in-memory database, inserts rows in a transaction, indexes them
// and runs aggregate queries: CPU in SQLite's C code.
import Database from 'better-sqlite3';
import { prng } from '../fixtures.js';

export default function job(i) {
  const db = new Database(':memory:');
  try {
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, product TEXT, qty INTEGER, price REAL)');
    const insert = db.prepare('INSERT INTO orders (customer, product, qty, price) VALUES (?, ?, ?, ?)');
    const rand = prng(1000 + i);
    db.transaction(() => {
      for (let k = 0; k < 40_000; k++) insert.run(Math.floor(rand() * 2000), `p-${Math.floor(rand() * 300)}`, 1 + Math.floor(rand() * 9), Math.round(rand() * 10_000) / 100);
    })();
    db.exec('CREATE INDEX by_customer ON orders (customer)');
    const top = db.prepare('SELECT customer, SUM(qty * price) AS total FROM orders GROUP BY customer ORDER BY total DESC LIMIT 5').all();
    const products = db.prepare('SELECT COUNT(DISTINCT product) AS n FROM orders').get();
    const one = db.prepare('SELECT COUNT(*) AS n, ROUND(AVG(price), 4) AS avg FROM orders WHERE customer = ?').get(i);
    return { top: top.map((r) => [r.customer, Math.round(r.total * 100) / 100]), products: products.n, one };
  } finally {
    db.close();
  }
}
