#!/usr/bin/env node
// Part of `npm run build`: bundles the CLI (our modules and its dependencies) into a few files that
// bin/vidrecipe.js loads. Node 20 has no compile cache, and resolving and reading ~400 small module files
// cost more than the work of a small `validate`; each command stays its own chunk, loaded on use.
// The chunks sit in dist/cli/, beside the module they replace, so paths taken from `import.meta.url`
// (package.json two folders up, packages resolved from node_modules) resolve as they do unbundled.
// Minified (less to parse), keeping the names of functions and classes for messages and stacks.
// Worker threads' entries are entries here too, named as the module they replace: code starts one as
// `new URL('./<name>.js', import.meta.url)`, which from a chunk in dist/cli finds the bundled entry beside it.
import { rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const out = fileURLToPath(new URL('../dist/cli/', import.meta.url));
const WORKERS = { 'texture-worker': '../media/inpaint/texture-worker.js' };
for (const file of readdirSync(out)) if (file.startsWith('bundle') || `${file.replace(/\.js$/, '')}` in WORKERS) rmSync(join(out, file));
await build({
  input: { bundle: join(out, 'main.js'), ...Object.fromEntries(Object.entries(WORKERS).map(([name, file]) => [name, join(out, file)])) },
  platform: 'node',
  logLevel: 'warn',
  // The many-machines clients stay in node_modules, loaded only when a queue is configured: bundled, they
  // would weigh on every start, and BullMQ, pg and the AWS SDK resolve optional parts of their own at run time.
  external: ['bullmq', 'ioredis', 'pg', /^@aws-sdk\//],
  output: { dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'bundle-[name]-[hash].js', sourcemap: false, minify: true, keepNames: true },
});
