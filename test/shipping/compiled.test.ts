/**
 * Code as compilers emit it: an application written in TypeScript, compiled
 * by tsc (CommonJS and ES module output), esbuild (the same, and a bundle)
 * and Babel (CommonJS), spawns its own functions. Each run is a real `node`
 * process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import * as esbuild from 'esbuild';
import babel from '@babel/core';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const source = readFileSync(join(repo, 'test/fixtures/shipping/compiled/app.ts'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'greenthread-compiled-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(repo, join(dir, 'node_modules/greenthread'));
symlinkSync(join(repo, 'node_modules/js-yaml'), join(dir, 'node_modules/js-yaml'));
writeFileSync(join(dir, 'marker.txt'), 'marker');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const expected = {
  results: [1, 2].map((n) => ({ n, doc: { a: 1, b: ['x', 'y'] }, root: true, limit: 6, read: 'marker', scratch: true })),
  seen: ['from the green thread'],
};

function run(file: string, code: string): unknown {
  writeFileSync(join(dir, file), code);
  const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function tsc(module: ts.ModuleKind): string {
  return ts.transpileModule(source, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true, lib: ['lib.esnext.d.ts'] },
  }).outputText;
}

describe('compiled TypeScript spawns its own functions', () => {
  it('tsc, CommonJS (__importDefault, __importStar, using lowered)', () => {
    const code = tsc(ts.ModuleKind.CommonJS);
    expect(code).toMatch(/__importDefault/);
    expect(code).toMatch(/__importStar/);
    expect(code).toMatch(/__addDisposableResource/);
    expect(run('tsc.cjs', code)).toEqual(expected);
  });

  it('tsc, ES module', () => {
    expect(run('tsc.mjs', tsc(ts.ModuleKind.ESNext))).toEqual(expected);
  });

  it('esbuild, CommonJS (__toESM, __using)', () => {
    const { code } = esbuild.transformSync(source, { loader: 'ts', format: 'cjs', platform: 'node', target: 'node20' });
    expect(code).toMatch(/__toESM/);
    expect(code).toMatch(/__using/);
    expect(run('esbuild.cjs', code)).toEqual(expected);
  });

  it('esbuild, an ES module bundle of the app and its dependencies', () => {
    const result = esbuild.buildSync({
      stdin: { contents: source, loader: 'ts', resolveDir: dir },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['greenthread'],
      write: false,
    });
    expect(run('bundle.mjs', result.outputFiles[0].text)).toEqual(expected);
  });

  it('Babel, CommonJS (_interopRequireWildcard with its module-level cache, _interopRequireDefault)', () => {
    const code = babel.transformSync(tsc(ts.ModuleKind.ESNext), { filename: 'app.mjs', babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] })!.code!;
    expect(code).toMatch(/_interopRequireWildcard/);
    expect(code).toMatch(/_interopRequireDefault/);
    expect(run('babel.cjs', code)).toEqual(expected);
  });

  it('tsc with source maps, run with --enable-source-maps: stack traces of a green thread name the .ts lines', () => {
    const ts_ = readFileSync(join(repo, 'test/fixtures/shipping/ts-stack.ts'), 'utf8').replace('../../../dist/index.js', 'greenthread');
    writeFileSync(join(dir, 'stack.ts'), ts_);
    const out = ts.transpileModule(ts_, {
      fileName: 'stack.ts',
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true },
    });
    writeFileSync(join(dir, 'stack.mjs'), out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=stack.mjs.map'));
    writeFileSync(join(dir, 'stack.mjs.map'), out.sourceMapText!.replace('"stack.js"', '"stack.mjs"'));
    const stack = execFileSync(process.execPath, ['--enable-source-maps', 'stack.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const line = readFileSync(join(repo, 'test/fixtures/shipping/ts-stack.ts'), 'utf8').split('\n').findIndex((l) => l.includes('@ts-throws')) + 1;
    expect(stack).toContain(`at check (${pathToFileURL(join(dir, 'stack.ts')).href}:${line}:`);
  });
});
