// typescript: ts.transpileModule over a source tree, as a dev server or a
// test runner's transform does: a heavy library to load (about 9 MB of
// JavaScript) and CPU in the compiler.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { digest, filesUnder } from './digest.js';

export default function job(i, { data }) {
  const dir = path.join(data, 'ts');
  const files = filesUnder(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  // A share of the tree per job, as a watcher recompiling what changed.
  const mine = files.filter((_, k) => k % 6 === i % 6);
  const out = [];
  for (const f of mine) {
    const r = ts.transpileModule(readFileSync(path.join(dir, f), 'utf8'), {
      fileName: f,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2020, sourceMap: true },
      reportDiagnostics: true,
    });
    out.push([f, digest(r.outputText), r.diagnostics?.length ?? 0]);
  }
  return { files: out.length, digest: digest(out) };
}
