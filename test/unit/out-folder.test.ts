import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepView } from '../../src/engine/events.js';
import { legFolder, outputLayout } from '../../src/engine/out-layout.js';
import { MANIFEST, publishRun, readManifest } from '../../src/engine/publish.js';
import type { MediaFiles } from '../../src/engine/media-files.js';
import type { Plan } from '../../src/graph/plan.js';

describe('outputLayout', () => {
  it('an output of a step without a matrix is <output><ext>, as before batches', () => {
    expect(outputLayout('video', [{ leg: 'widen', ext: '.mp4' }])).toEqual(['video.mp4']);
  });

  it('a matrix output is <output>/<axis=label,…>/<output><ext>, axes in the order written', () => {
    const legs = [
      { leg: 'remove[shot=a,look=dawn]', matrix: { shot: 'a', look: 'dawn' }, ext: '.mp4' },
      { leg: 'remove[shot=a,look=dusk]', matrix: { shot: 'a', look: 'dusk' }, ext: '.mp4' },
    ];
    expect(outputLayout('video', legs)).toEqual(['video/shot=a,look=dawn/video.mp4', 'video/shot=a,look=dusk/video.mp4']);
    // a matrix of one leg is still a folder per leg
    expect(outputLayout('video', legs.slice(0, 1))).toEqual(['video/shot=a,look=dawn/video.mp4']);
  });

  it('labels are made safe for every file system, and distinct values stay distinct folders', () => {
    expect(legFolder({ clip: 'a/b:c?.mp4' })).toBe('clip=a%2Fb%3Ac%3F.mp4');
    expect(legFolder({ prompt: 'a,b=c' })).toBe('prompt=a%2Cb%3Dc');
    expect(legFolder({ note: '50%' })).not.toBe(legFolder({ note: '50%25' }));
    expect(legFolder({ x: 'tab\there' })).toBe('x=tab%09here');
    // Windows drops trailing dots and spaces
    expect(legFolder({ x: 'end.' })).toBe('x=end%2E');
    expect(legFolder({ x: 'end ' })).toBe('x=end%20');
    for (const folder of [legFolder({ a: '..' }), legFolder({ a: '\\' }), legFolder({ a: '"<>|*' })]) expect(folder).not.toMatch(/[/\\<>:"|?*]/);
  });

  it('a leg\'s folder does not depend on the other legs, except two that differ only in case', () => {
    const one = outputLayout('v', [{ leg: 'x', matrix: { shot: 'b' } }]);
    const more = outputLayout('v', [{ leg: 'w', matrix: { shot: 'a' } }, { leg: 'x', matrix: { shot: 'b' } }]);
    expect(more[1]).toBe(one[0]);
    // one folder on macOS and Windows
    expect(outputLayout('v', [{ leg: 'x', matrix: { shot: 'A' } }, { leg: 'y', matrix: { shot: 'a' } }])).toEqual(['v/shot=A/v', 'v/shot=a~2/v']);
  });

  it('a very long label is cut, and a digest keeps two long labels that share a start apart', () => {
    const long = 'x'.repeat(400);
    const a = legFolder({ prompt: `${long}a` });
    const b = legFolder({ prompt: `${long}b` });
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(200);
    expect(a).not.toBe(b);
    expect(Buffer.byteLength(legFolder({ prompt: '🎬'.repeat(200) }))).toBeLessThanOrEqual(200);
  });
});

describe('publishing into the out folder', () => {
  let dir: string;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vidrecipe-out-'));
    out = join(dir, 'out');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A blob holding `text`, as a step's output. */
  const blob = (name: string, text: string) => {
    const path = join(dir, `blob-${name}`);
    writeFileSync(path, text);
    return { kind: 'video' as const, digest: `d-${text}`, path, ext: '.mp4' };
  };

  // Only what publishing reads: the recipe's outputs (the recipe's dir matters for inputs passed through).
  const plan = { recipe: { file: 'recipe.yaml', dir: tmpdir(), inputs: {}, outputs: { video: { ref: { context: 'steps', step: 'widen', output: 'video' } }, review: { ref: { context: 'steps', step: 'compare', output: 'video' } } } }, inputs: {} } as unknown as Plan;
  const views = (outputs: Record<string, string>) =>
    new Map(Object.entries(outputs).map(([step, text]) => [step, { id: step, step, outputs: { video: blob(step, text) } } as unknown as StepView]));
  const media = {} as MediaFiles;

  it('a run writes its outputs and a manifest of them; a user\'s own file in the folder is never touched', async () => {
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const first = await publishRun(plan, views({ widen: 'one', compare: 'cmp1' }), out, media, { runId: 'r1' });
    expect(first.folder).toEqual({ dir: out, replaced: true, run: 'r1', missing: [] });
    expect(Object.keys(first.outputs)).toEqual(['video', 'review']);
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'notes.txt', 'review.mp4', 'video.mp4']);
    expect(readManifest(out)).toMatchObject({ run: 'r1', files: [{ path: 'video.mp4', output: 'video', digest: 'd-one' }, { path: 'review.mp4', output: 'review', digest: 'd-cmp1' }] });
  });

  it('a failed run that made some outputs replaces the folder\'s: no stale file of the earlier run stays beside them', async () => {
    await publishRun(plan, views({ widen: 'one', compare: 'cmp1' }), out, media, { runId: 'r1' });
    const second = await publishRun(plan, views({ widen: 'two' }), out, media, { runId: 'r2' });
    expect(second.folder).toEqual({ dir: out, replaced: true, run: 'r2', missing: ['review'] });
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'video.mp4']);
    expect(readFileSync(join(out, 'video.mp4'), 'utf8')).toBe('two');
    expect(readManifest(out)).toMatchObject({ run: 'r2', missing: ['review'] });
  });

  it('a run with no output, or an interrupted one, leaves the folder whole as the last run left it', async () => {
    await publishRun(plan, views({ widen: 'one', compare: 'cmp1' }), out, media, { runId: 'r1' });
    const none = await publishRun(plan, views({}), out, media, { runId: 'r2' });
    expect(none).toEqual({ outputs: {}, folder: { dir: out, replaced: false, run: 'r1', missing: [] } });
    const stopped = await publishRun(plan, views({ widen: 'three' }), out, media, { runId: 'r3', interrupted: true });
    expect(stopped.folder).toMatchObject({ replaced: false, run: 'r1' });
    expect(readFileSync(join(out, 'video.mp4'), 'utf8')).toBe('one');
    expect(readFileSync(join(out, 'review.mp4'), 'utf8')).toBe('cmp1');
  });

  it('files of a matrix output that a later run no longer makes are removed, with their empty folders', async () => {
    mkdirSync(join(out, 'video', 'shot=gone'), { recursive: true });
    writeFileSync(join(out, 'video', 'shot=gone', 'video.mp4'), 'old');
    mkdirSync(join(out, 'video', 'shot=kept'), { recursive: true });
    writeFileSync(join(out, 'video', 'shot=kept', 'video.mp4'), 'old');
    writeFileSync(join(out, 'video', 'shot=kept', 'mine.txt'), 'a user note');
    writeFileSync(join(out, MANIFEST), JSON.stringify({ format: 1, run: 'r0', recipe: 'recipe.yaml', missing: [], files: [
      { path: 'video/shot=gone/video.mp4', output: 'video', digest: 'x' },
      { path: 'video/shot=kept/video.mp4', output: 'video', digest: 'x' },
      // a manifest must never make a run delete outside the folder
      { path: '../outside.txt', output: 'video', digest: 'x' },
    ] }));
    writeFileSync(join(dir, 'outside.txt'), 'not ours');
    await publishRun(plan, views({ widen: 'one', compare: 'cmp1' }), out, media, { runId: 'r1' });
    expect(existsSync(join(out, 'video', 'shot=gone'))).toBe(false);
    expect(readdirSync(join(out, 'video', 'shot=kept'))).toEqual(['mine.txt']);
    expect(readFileSync(join(dir, 'outside.txt'), 'utf8')).toBe('not ours');
  });

  it('a staging folder left by a killed run is cleaned up; one of a live run is not', async () => {
    mkdirSync(join(out, '.vidrecipe-staging-999999999-abcd'), { recursive: true });
    mkdirSync(join(out, `.vidrecipe-staging-${process.pid}-live`), { recursive: true });
    await publishRun(plan, views({ widen: 'one' }), out, media, { runId: 'r1' });
    expect(readdirSync(out).filter((e) => e.startsWith('.vidrecipe-staging-'))).toEqual([`.vidrecipe-staging-${process.pid}-live`]);
  });

  it('a matrix output (Plan.outputs of the contract): one file per leg in a folder named by its values; legs no longer made are removed', async () => {
    const legs = (n: number) => Array.from({ length: n }, (_, i) => ({ leg: `remove[shot=s${i}]`, output: 'video' }));
    const matrixPlan = (n: number) => ({ ...plan, outputs: { video: { legs: legs(n) } } }) as unknown as Plan;
    const legViews = (n: number, made: (i: number) => boolean = () => true) =>
      new Map(
        legs(n).map(({ leg }, i) => [leg, { id: leg, step: 'remove', matrix: { shot: `s${i}` }, outputs: made(i) ? { video: blob(leg, `v${i}`) } : {} } as unknown as StepView]),
      );
    const first = await publishRun(matrixPlan(3), legViews(3), out, media, { runId: 'r1' });
    expect(first.folder.missing).toEqual(['review']);
    expect(first.outputs.video).toMatchObject({ file: join(out, 'video'), digest: '', step: 'remove' });
    expect(first.outputs.video!.legs!.map((l) => l.file)).toEqual([0, 1, 2].map((i) => join(out, 'video', `shot=s${i}`, 'video.mp4')));
    expect(readManifest(out)!.files.map((f) => [f.path, f.leg])).toEqual([0, 1, 2].map((i) => [`video/shot=s${i}/video.mp4`, `remove[shot=s${i}]`]));
    // a later run of two legs, one of which failed
    const second = await publishRun(matrixPlan(2), legViews(2, (i) => i === 0), out, media, { runId: 'r2' });
    expect(second.folder.missing).toEqual(['video: 1 of 2 legs', 'review']);
    expect(readdirSync(join(out, 'video'))).toEqual(['shot=s0']);
    expect(readFileSync(join(out, 'video', 'shot=s0', 'video.mp4'), 'utf8')).toBe('v0');
  });
});
