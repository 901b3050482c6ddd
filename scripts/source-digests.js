#!/usr/bin/env node
// The committed table of what each local implementation's source was when its version was last set:
// src/providers/local/source-digests.json. test/unit/source-digests.test.ts recomputes it and fails when
// an implementation's code changed and its version in src/providers/local/versions.ts did not, so an
// upgrade never serves a cached preview that older code made.
//
//   npm run source-digests                  record the table (refuses changed code under an unchanged version)
//   npm run source-digests -- --same-output record it anyway: the changes cannot alter any output
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const TABLE = 'src/providers/local/source-digests.json';
export const VERSIONS = 'src/providers/local/versions.ts';
const INDEX = 'src/providers/local/index.ts';
/** Only these folders hold code that decides what a local step produces; the rest is the engine around it. */
const FOLLOWED = ['src/providers/local/', 'src/media/'];

const parsed = new Map();

/** A file's syntax tree, parsed again only when its text changed; everything here works on trees. */
function parse(root, file) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const known = parsed.get(path);
  if (known?.text === text) return known.tree;
  const tree = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  parsed.set(path, { text, tree });
  return tree;
}

/**
 * SHA-256 of a file's tokens: comments, JSDoc and layout are left out, so rewording a comment or
 * reformatting does not ask for a version bump; any change to code, types or string contents does.
 */
export function sourceDigest(root, file) {
  const sf = parse(root, file);
  const tokens = [];
  const walk = (node) => {
    const children = node.getChildren(sf);
    if (children.length === 0) {
      tokens.push(node.getText(sf));
      return;
    }
    for (const child of children) if (!ts.isJSDoc(child)) walk(child);
  };
  walk(sf);
  return createHash('sha256').update(tokens.join('\u0000')).digest('hex');
}

/** The project files `file` imports for their values (`import type` carries no code), as repo paths. */
function valueImports(root, file) {
  const sf = parse(root, file);
  const found = [];
  const add = (specifier) => {
    if (!specifier.startsWith('.')) return;
    const target = relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, '.ts'))).split(sep).join('/');
    found.push(target);
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const typeOnly = clause && (clause.isTypeOnly || (!clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) add(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) add(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text);
    } else if (isModuleUrl(node)) {
      // A worker thread's entry: its code runs as much as an import's.
      add(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** `new URL('./file.js', import.meta.url)`: a module of ours named by its path, as worker threads are started. */
function isModuleUrl(node) {
  if (!ts.isNewExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'URL') return false;
  const [specifier, base] = node.arguments ?? [];
  return !!specifier && ts.isStringLiteral(specifier) && /\.js$/.test(specifier.text) && !!base && ts.isPropertyAccessExpression(base) && ts.isMetaProperty(base.expression) && base.name.text === 'url';
}

/** An implementation's files: its executor and everything it reaches by value imports inside FOLLOWED. */
export function implementationFiles(root, entry) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const next of valueImports(root, queue.shift())) {
      if (seen.has(next) || !FOLLOWED.some((dir) => next.startsWith(dir))) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return [...seen].sort();
}

/** Model id → executor file, read from the `localExecutors` table in src/providers/local/index.ts. */
export function executorEntries(root) {
  const sf = parse(root, INDEX);
  const imported = new Map();
  const entries = {};
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.importClause?.namedBindings && ts.isNamedImports(node.importClause.namedBindings)) {
      for (const element of node.importClause.namedBindings.elements) {
        imported.set(element.name.text, relative(root, resolve(root, dirname(INDEX), node.moduleSpecifier.text.replace(/\.js$/, '.ts'))).split(sep).join('/'));
      }
    }
    if (ts.isVariableDeclaration(node) && node.name.getText(sf) === 'localExecutors' && node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
      for (const property of node.initializer.properties) {
        if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.initializer)) throw new Error(`${INDEX}: every entry of localExecutors must be 'model/id': importedExecutor`);
        const id = ts.isStringLiteral(property.name) ? property.name.text : property.name.getText(sf);
        const file = imported.get(property.initializer.text);
        if (!file) throw new Error(`${INDEX}: ${property.initializer.text} (for ${id}) is not imported from a file of its own`);
        entries[id] = file;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (!Object.keys(entries).length) throw new Error(`${INDEX}: no localExecutors table found`);
  return entries;
}

/** The table as it would be recorded now, for the given versions. */
export function computeTable(root, versions) {
  const implementations = {};
  const files = {};
  for (const [id, entry] of Object.entries(executorEntries(root)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const set = implementationFiles(root, entry);
    implementations[id] = { version: versions[id], entry, files: set };
    for (const file of set) files[file] ??= sourceDigest(root, file);
  }
  return { implementations, files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/**
 * What differs between the recorded table and the sources now, one sentence each, saying what to do.
 * `bump` lists the implementations whose code changed under an unchanged version.
 */
export function compareTable(root, versions, recorded) {
  const now = computeTable(root, versions);
  const problems = [];
  const bump = [];
  const run = 'npm run source-digests';
  for (const [id, current] of Object.entries(now.implementations)) {
    if (current.version === undefined) {
      problems.push(`${id} has no version: add it to ${VERSIONS} and run ${run}`);
      continue;
    }
    const before = recorded.implementations?.[id];
    if (!before) {
      problems.push(`${id} is not in ${TABLE}: run ${run}`);
      continue;
    }
    const changed = [
      ...current.files.filter((f) => recorded.files?.[f] !== now.files[f]).map((f) => (before.files.includes(f) ? `${f} changed` : `${f} is new to it`)),
      ...before.files.filter((f) => !current.files.includes(f)).map((f) => `${f} no longer used`),
    ];
    if (changed.length && current.version === before.version) {
      bump.push(id);
      problems.push(`the code of ${id} changed since version ${before.version} (${changed.join(', ')}): bump its version in ${VERSIONS} and run ${run}, so results cached by the old code are not served (if no output can change, run ${run} -- --same-output)`);
    } else if (changed.length || current.version !== before.version) {
      problems.push(`${id} is at version ${current.version} but ${TABLE} records version ${before.version}${changed.length ? ' and older sources' : ''}: run ${run}`);
    }
  }
  for (const id of Object.keys(recorded.implementations ?? {})) {
    if (!now.implementations[id]) problems.push(`${id} is in ${TABLE} but has no local executor any more: run ${run}`);
  }
  for (const id of Object.keys(versions)) {
    if (!now.implementations[id]) problems.push(`${VERSIONS} has a version for ${id}, which has no local executor: remove it`);
  }
  return { problems, bump, table: now };
}

export function readTable(root) {
  try {
    return JSON.parse(readFileSync(join(root, TABLE), 'utf8'));
  } catch {
    return { implementations: {}, files: {} };
  }
}

async function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const sameOutput = process.argv.includes('--same-output');
  const { LOCAL_VERSIONS } = await import(pathToFileURL(join(root, 'dist/providers/local/versions.js')).href);
  const { bump, table } = compareTable(root, LOCAL_VERSIONS, readTable(root));
  if (bump.length && !sameOutput) {
    console.error(`source-digests: not recorded: the code of ${bump.join(', ')} changed but ${bump.length === 1 ? 'its version' : 'their versions'} did not.`);
    console.error(`Bump ${bump.length === 1 ? 'it' : 'them'} in ${VERSIONS} and run npm run source-digests again; if no output can change, run npm run source-digests -- --same-output.`);
    process.exitCode = 1;
    return;
  }
  const note = 'Generated by `npm run source-digests`; checked by test/unit/source-digests.test.ts. Do not edit.';
  writeFileSync(join(root, TABLE), `${JSON.stringify({ note, ...table }, null, 2)}\n`);
  console.log(`wrote ${TABLE}: ${Object.keys(table.implementations).length} implementations, ${Object.keys(table.files).length} files`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
