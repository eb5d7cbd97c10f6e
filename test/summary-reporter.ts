// Prints one plain closing line, `tests: N passed, N failed, N skipped`, after
// vitest's own report, for tools that read a run's last lines.
import type { File, Task } from 'vitest';
import type { Reporter } from 'vitest/reporters';

export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: Task): void => {
      if (task.type === 'suite') {
        task.tasks.forEach(visit);
        if (task.result?.state === 'fail' && task.tasks.length === 0) counts.failed++; // a file that failed to load
        return;
      }
      if (task.mode === 'skip' || task.mode === 'todo') counts.skipped++;
      else if (task.result?.state === 'pass') counts.passed++;
      else if (task.result?.state === 'fail') counts.failed++;
    };
    files.forEach(visit);
    counts.failed += errors.length;
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
