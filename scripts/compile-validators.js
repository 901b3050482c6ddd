#!/usr/bin/env node
// Part of `npm run build`: compiles the recipe validators ahead of time (ajv standalone code), so
// `vidrecipe validate` neither loads ajv nor compiles a schema, and with each parameter's shape (what a
// reference to it must be) as data. Writes dist/recipe/validators.generated.js.
import standaloneCode from 'ajv/dist/standalone/index.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MODELS } from '../dist/models/catalog.js';
import { paramShapes } from '../dist/recipe/schema.js';
import { createAjv, internalSchemas } from '../dist/recipe/structure.js';

const target = fileURLToPath(new URL('../dist/recipe/validators.generated.js', import.meta.url));
const ajv = createAjv({ source: true });
const { skeleton, params } = internalSchemas(MODELS);
const exports = { skeleton: 'vidrecipe:skeleton' };
ajv.addSchema(skeleton, exports.skeleton);
const names = [];
for (const [id, schema] of params) {
  const name = `params${names.length}`;
  ajv.addSchema(schema, `vidrecipe:params:${id}`);
  exports[name] = `vidrecipe:params:${id}`;
  names.push([id, name]);
}
// The generated code reaches ajv's few run-time helpers with `require`, which an ES module lacks.
const code = [
  "import { createRequire } from 'node:module';",
  'const require = createRequire(import.meta.url);',
  standaloneCode.default(ajv, exports).replace(/^"use strict";/, ''),
  `export const params = { ${names.map(([id, name]) => `${JSON.stringify(id)}: ${name}`).join(', ')} };`,
  `export const shapes = ${JSON.stringify(Object.fromEntries(MODELS.map((m) => [m.id, Object.fromEntries(paramShapes(m))])))};`,
  '',
].join('\n');
writeFileSync(target, code);
