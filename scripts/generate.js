#!/usr/bin/env node
// Writes everything derived from the model catalog and the rule list: schemas/, docs/models.md and the
// rules table of docs/recipes.md.
// `npm run schemas` runs it after a build; a test fails when the committed files are stale.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../dist/cli/generated.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Models that left the catalog must not leave their schema behind.
rmSync(join(root, 'schemas'), { recursive: true, force: true });
for (const file of generatedFiles()) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
}
console.log(`wrote ${generatedFiles().length} files (schemas/, docs/models.md, docs/recipes.md)`);
