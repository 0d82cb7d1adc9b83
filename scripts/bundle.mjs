// The bin as it ships (dist/): the CLI and its two worker threads, each bundled with what it imports, from the
// compiled modules (build/, which the tests, benchmarks and dashboards import). A start then reads a few files
// instead of ~60 modules: 0.98x the wall time of two threads on the bench corpus, the worker ready sooner.
// The workers sit beside the chunks that start them (`new URL('./…-worker.js', import.meta.url)`), and the
// report's page script beside the chunk that reads it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (file) => path.join(root, file);

await build({
  cwd: root,
  input: {
    cli: at('build/cli.js'),
    'parallel-worker': at('build/parallel-worker.js'),
    'gunzip-worker': at('build/sources/gunzip-worker.js'),
  },
  platform: 'node',
  // Dependencies stay packages of their own, installed beside the bin.
  external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
  logLevel: 'warn',
  output: {
    dir: at('dist'),
    format: 'esm',
    cleanDir: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
  },
});
fs.copyFileSync(at('src/report/page.js'), at('dist/page.js'));
