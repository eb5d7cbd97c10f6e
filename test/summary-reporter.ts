// Prints the failed tests, each with the first lines of its error, then one
// plain closing line, `tests: N passed, N failed, N skipped`, after vitest's
// own report: tools that keep only a run's last lines (CI logs) still say
// which test failed and why.
import type { File, Task } from 'vitest';
import type { Reporter } from 'vitest/reporters';

const firstLines = (text: string, n = 6): string => text.split('\n').slice(0, n).map((l) => `    ${l}`).join('\n');

export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const failures: string[] = [];
    const describeFailure = (task: Task, where: string): void => {
      const err = task.result?.errors?.[0];
      const message = err ? `${err.name ?? 'Error'}: ${err.message ?? ''}` : '(no error recorded)';
      failures.push(`  ${where}\n${firstLines(message)}`);
    };
    const visit = (task: Task, trail: string[]): void => {
      const where = [...trail, task.name];
      if (task.type === 'suite') {
        task.tasks.forEach((t) => visit(t, where));
        if (task.result?.state === 'fail' && (task.tasks.length === 0 || task.result.errors?.length)) {
          counts.failed++; // a file that failed to load, or a failing hook
          describeFailure(task, where.join(' > '));
        }
        return;
      }
      if (task.mode === 'skip' || task.mode === 'todo') counts.skipped++;
      else if (task.result?.state === 'pass') counts.passed++;
      else if (task.result?.state === 'fail') {
        counts.failed++;
        describeFailure(task, where.join(' > '));
      }
    };
    files.forEach((f) => visit(f, []));
    for (const e of errors) failures.push(`  unhandled error\n${firstLines(String((e as Error)?.stack ?? e))}`);
    counts.failed += errors.length;
    if (failures.length > 0) process.stdout.write(`\nfailed:\n${failures.join('\n')}\n`);
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
