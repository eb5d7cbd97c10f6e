// TypeScript through tsx: carriers inherit the loader, so typed functions ship.
//
//   npx greenthread run --import tsx examples/typescript/app.ts
import { spawn, sleep } from 'greenthread';
import { cpus } from 'node:os';

interface Task {
  name: string;
  ms: number;
}

const UNIT: string = 'ms';

function describeTask(t: Task): string {
  return `${t.name} (${t.ms} ${UNIT})`;
}

export function runTask(t: Task): string {
  sleep(t.ms);
  return `${describeTask(t)} done on a ${cpus().length}-core machine`;
}

const tasks: Task[] = [
  { name: 'resize', ms: 120 },
  { name: 'upload', ms: 80 },
];
for (const line of tasks.map((t) => spawn(runTask, t)).map((g) => g.wait())) console.log(line);
