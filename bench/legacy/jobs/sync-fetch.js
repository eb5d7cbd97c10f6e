// sync-fetch: a blocking HTTP client for code that cannot await. Each request
// runs in a node child process (execFileSync) that does the real fetch; the
// server is run.js's, on loopback.
import fetch from 'sync-fetch';
import { digest } from './digest.js';

export default function job(i, { port }) {
  const res = fetch(`http://127.0.0.1:${port}/items/${i}`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /items/${i}: ${res.status}`);
  const items = res.json();
  return { status: res.status, type: res.headers.get('content-type'), items: items.length, digest: digest(items) };
}
