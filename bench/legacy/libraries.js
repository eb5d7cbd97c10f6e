// legacy: the libraries, in the order of the table. `kind` says what one job
// mostly waits on: child processes, the file system, the CPU, or the
// network (on loopback). Each one's job is jobs/<name>.js.
export const LIBRARIES = {
  shelljs: { kind: 'child-process', job: 'sh.exec (a node child) + ls -R, cat, grep' },
  execa: { kind: 'child-process', job: 'execaSync x6 small commands, some with stdin' },
  'cross-spawn': { kind: 'child-process', job: 'crossSpawn.sync x6 coreutils commands' },
  'sync-fetch': { kind: 'network', job: 'a GET of 90 KB of JSON from a loopback server (a node child per request)' },
  'fast-glob': { kind: 'file', job: 'fg.sync over node_modules' },
  glob: { kind: 'file', job: 'globSync over node_modules' },
  'fs-extra': { kind: 'file', job: 'copySync of 200 files (1.4 MB), outputJsonSync, removeSync' },
  rimraf: { kind: 'file', job: 'write 480 small files, then rimrafSync' },
  'js-yaml': { kind: 'cpu', job: 'yaml.load of a 1 MB document, yaml.dump of a twentieth' },
  'markdown-it': { kind: 'cpu', job: 'render a 0.4 MB Markdown document' },
  'adm-zip': { kind: 'cpu', job: 'zip 100 files (about 700 KB) in memory and read them back' },
  // A native addon built from source where no prebuilt binary downloads (minutes): not a devDependency; the run leaves it out unless installed.
  'better-sqlite3': { kind: 'cpu', job: 'in-memory DB: 40,000 inserts, an index, aggregates', install: 'better-sqlite3@12' },
  typescript: { kind: 'cpu', job: 'ts.transpileModule of a sixth of this repository\'s src/' },
};
