// legacy: runs one job process with a deadline. Like runNode in
// ../lib/common.js, but the process gets a group of its own, so that a
// deadline ends it together with what it started (shelljs and sync-fetch
// start node children, the green hub starts the jobs' commands).
import { spawn } from 'node:child_process';
import { resultOf } from '../lib/common.js';

/**
 * Resolves with { value, stderr, code, pid }: value is what the process passed
 * to emit() (undefined if nothing); pid is also its process group's id.
 */
export function runProcess(argv, { timeoutMs, env = process.env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => {
      if (err.length < 200_000) err += d;
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`did not finish within ${timeoutMs / 1000} s`));
      resolve({ value: resultOf(out), stderr: err, code: code ?? signal, pid: child.pid });
    });
  });
}
