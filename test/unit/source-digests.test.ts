import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareTable, computeTable, readTable, sourceDigest } from '../../scripts/source-digests.js';
import { findModel, MODELS } from '../../src/models/catalog.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { LOCAL_VERSIONS } from '../../src/providers/local/versions.js';
import { ROOT } from '../support/cli.js';

describe('local implementation versions', () => {
  it('the committed source table matches the sources: an implementation whose code changed has a new version', () => {
    const { problems } = compareTable(ROOT, LOCAL_VERSIONS, readTable(ROOT));
    expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
  });

  it('every local executor has a version, and every model that can run locally an executor', () => {
    expect(Object.keys(LOCAL_VERSIONS).sort()).toEqual(Object.keys(localExecutors).sort());
    // Each under its own model's id: an executor's parameter type is its model's.
    for (const [id, executor] of Object.entries(localExecutors)) expect([findModel(id)?.id, executor.model], id).toEqual([id, id]);
    for (const model of MODELS.filter((m) => m.provider === 'local' || m.local)) expect(localExecutors[model.id], model.id).toBeDefined();
  });
});

/** A copy of the sources the table covers, to change without touching the work tree. */
let copy: string | undefined;
function sourcesCopy(): string {
  copy = mkdtempSync(join(tmpdir(), 'vidrecipe-digests-'));
  for (const dir of ['src/providers/local', 'src/media', 'src/providers/types.ts']) cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
  return copy;
}
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = undefined;
});

function edit(root: string, file: string, change: (text: string) => string): void {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(path, after);
}

describe('the source table', () => {
  it('asks for a version bump, naming the file and the script, when code an implementation imports changes', () => {
    const root = sourcesCopy();
    const recorded = computeTable(root, LOCAL_VERSIONS);
    edit(root, 'src/media/h264.ts', (t) => `${t}\nexport const ADDED_FOR_TEST = 1;\n`);
    const { problems, bump } = compareTable(root, LOCAL_VERSIONS, recorded);
    // h264.ts reaches trim, concat, transcode, compare, mask, both VACE previews and removal, not extract-frame.
    expect(bump).toContain('local/trim');
    expect(bump).not.toContain('local/extract-frame');
    const trim = problems.find((p) => p.includes('local/trim'))!;
    expect(trim).toContain('src/media/h264.ts changed');
    expect(trim).toContain('bump its version in src/providers/local/versions.ts and run npm run source-digests');
  });

  it('is satisfied by a bump once the script has recorded it, and not before', () => {
    const root = sourcesCopy();
    const recorded = computeTable(root, LOCAL_VERSIONS);
    edit(root, 'src/providers/local/trim.ts', (t) => t.replace('const params = ctx.params;', 'const params = { ...ctx.params };'));
    const bumped = { ...LOCAL_VERSIONS, 'local/trim': LOCAL_VERSIONS['local/trim']! + 1 };
    const before = compareTable(root, bumped, recorded);
    expect(before.bump).toEqual([]);
    expect(before.problems).toEqual([expect.stringContaining('local/trim is at version 2 but src/providers/local/source-digests.json records version 1')]);
    expect(compareTable(root, bumped, before.table).problems).toEqual([]);
  });

  it('ignores comments and layout, not string contents', () => {
    const root = sourcesCopy();
    const file = 'src/media/h264.ts';
    const digest = sourceDigest(root, file);
    edit(root, file, (t) => `/** A new doc comment. */\n// and a line comment\n${t.replace(/\n/g, '\n\n')}`);
    expect(sourceDigest(root, file)).toBe(digest);
    edit(root, file, (t) => t.replace(/'([^']*)'/, "'$1 '"));
    expect(sourceDigest(root, file)).not.toBe(digest);
  });

  it('follows value imports, not type-only ones', () => {
    const root = sourcesCopy();
    const table = computeTable(root, LOCAL_VERSIONS);
    // trim.ts runs ffmpeg through media/; its model (models/) and providers/types.ts do not decide what it writes.
    expect(table.implementations['local/trim']!.files).toContain('src/media/process.ts');
    expect(table.implementations['local/trim']!.files.some((f) => f.startsWith('src/models/'))).toBe(false);
    writeFileSync(join(root, 'src/media/only-a-type.ts'), 'export interface OnlyAType { x: number }\n');
    edit(root, 'src/providers/local/trim.ts', (t) => `import type { OnlyAType } from '../../media/only-a-type.js';\nexport type Kept = OnlyAType;\n${t}`);
    expect(computeTable(root, LOCAL_VERSIONS).implementations['local/trim']!.files).not.toContain('src/media/only-a-type.ts');
  });
});
