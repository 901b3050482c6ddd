import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { makeClip, makeMovingBoxMask, makeTmpDir, probeFile, removeDir } from './support/media.js';

/**
 * Batches through the CLI on tiny generated clips: a folder of clips, a sweep, a table manifest, a
 * sub-recipe over a matrix, a failed leg re-run alone, an edited row re-running only its legs.
 */

interface Leg {
  status: string;
  step?: string;
  matrix?: Record<string, string>;
  outputs: Record<string, string>;
  error?: string;
}
interface RunJson {
  status: string;
  outputs: Record<string, string>;
  steps: Record<string, Leg>;
}

let dir: string;

function run(recipe: string, args: string[] = []): RunJson & { code: number; stderr: string } {
  const result = runCli(['run', recipe, '--offline', '--json', ...args], { cwd: dir });
  expect(result.stdout, result.stderr).not.toBe('');
  return { ...(JSON.parse(result.stdout) as RunJson), code: result.code, stderr: result.stderr };
}

const statuses = (r: RunJson, step: string) =>
  Object.fromEntries(Object.entries(r.steps).filter(([id]) => id === step || id.startsWith(`${step}[`)).map(([id, s]) => [id, s.status]));

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-batch-');
  mkdirSync(join(dir, 'clips'));
  // Three clips of different colours and lengths: a leg's output can be told from another's.
  await makeClip(join(dir, 'clips', 'a.mp4'), { width: 64, height: 48, fps: 10, duration: 1, source: 'color', color: 'red' });
  await makeClip(join(dir, 'clips', 'b.mp4'), { width: 64, height: 48, fps: 10, duration: 1.5, source: 'color', color: 'green' });
  await makeClip(join(dir, 'clips', 'c.mp4'), { width: 64, height: 48, fps: 10, duration: 2, source: 'color', color: 'blue' });
  await makeMovingBoxMask(join(dir, 'clips', 'a-mask.mp4'), { width: 64, height: 48, fps: 10, frames: 10 });
  await makeMovingBoxMask(join(dir, 'clips', 'b-mask.mp4'), { width: 64, height: 48, fps: 10, frames: 15 });
  writeFileSync(join(dir, '.gitignore'), '');
}, 60_000);

afterAll(() => removeDir(dir));

describe('batches', () => {
  it('runs a folder of clips leg by leg, pairs legs, and gathers them in matrix order', async () => {
    writeFileSync(
      join(dir, 'folder.yaml'),
      `version: 1
name: folder
steps:
  cut:
    matrix: { clip: "\${{ files('clips/?.mp4') }}" }
    uses: local/trim
    with: { video: "\${{ matrix.clip }}", start: 0, duration: 0.5 }
  fit:
    matrix: { clip: "\${{ files('clips/?.mp4') }}" }
    uses: local/transcode
    with: { video: "\${{ steps.cut.outputs.video }}", width: 32, height: 24, fit: stretch }
  reel:
    uses: local/concat
    with: { videos: "\${{ steps.fit.outputs.video }}" }
outputs:
  reel: \${{ steps.reel.outputs.video }}
  fitted: \${{ steps.fit.outputs.video }}
`,
    );
    const plan = runCli(['plan', 'folder.yaml', '--format', 'json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { steps: { id: string; needs: string[]; matrix?: Record<string, string> }[] };
    expect(planned.steps.map((s) => s.id)).toEqual(['cut[clip=a]', 'cut[clip=b]', 'cut[clip=c]', 'fit[clip=a]', 'fit[clip=b]', 'fit[clip=c]', 'reel']);
    expect(planned.steps.find((s) => s.id === 'fit[clip=b]')!.needs).toEqual(['cut[clip=b]']);
    expect(planned.steps.find((s) => s.id === 'reel')!.needs).toEqual(['fit[clip=a]', 'fit[clip=b]', 'fit[clip=c]']);

    const result = run('folder.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(Object.values(result.steps).every((s) => s.status === 'succeeded')).toBe(true);
    // Three half-second legs in one reel.
    const reel = await probeFile(join(dir, 'out', 'folder', 'reel.mp4'));
    expect(reel.duration).toBeGreaterThan(1.3);
    expect(reel.duration).toBeLessThan(1.7);
    for (const leg of ['a', 'b', 'c']) {
      const file = join(dir, 'out', 'folder', 'fitted', `clip=${leg}`, 'fitted.mp4');
      expect(existsSync(file), file).toBe(true);
      expect((await probeFile(file)).width).toBe(32);
    }

    const again = run('folder.yaml');
    expect(Object.values(again.steps).every((s) => s.status === 'cached')).toBe(true);

    // Why a changed batch runs again: a line per reason of each matrix step, not a line per leg.
    writeFileSync(join(dir, 'folder.yaml'), readFileSync(join(dir, 'folder.yaml'), 'utf8').replace('duration: 0.5', 'duration: 0.4'));
    const explained = runCli(['plan', 'folder.yaml', '--offline', '--explain'], { cwd: dir });
    expect(explained.code, explained.stderr).toBe(0);
    const why = explained.stdout.slice(explained.stdout.indexOf('Why steps run')).trim().split('\n').slice(1).map((l) => l.trim().replace(/\s+/g, ' '));
    expect(why).toEqual([
      expect.stringMatching(/^cut ×3 runs because duration changed 0\.5 → 0\.4 \(since run \S+\)$/),
      'fit ×3 runs because its video is the output of its leg of step "cut", which runs first',
      'reel runs because its videos[0] reads the outputs of "fit[clip=a]" and 2 more legs, which run first',
    ]);
  }, 120_000);

  it('sweeps literal values and compares the legs in a grid', async () => {
    writeFileSync(
      join(dir, 'sweep.yaml'),
      `version: 1
name: sweep
steps:
  size:
    matrix: { width: [32, 48], height: [24, 36] }
    uses: local/transcode
    with: { video: clips/a.mp4, width: "\${{ matrix.width }}", height: "\${{ matrix.height }}", fit: stretch }
  grid:
    uses: local/compare
    with: { videos: "\${{ steps.size.outputs.video }}", layout: grid }
outputs:
  grid: \${{ steps.grid.outputs.video }}
`,
    );
    const result = run('sweep.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(statuses(result, 'size'))).toEqual(['size[width=32,height=24]', 'size[width=32,height=36]', 'size[width=48,height=24]', 'size[width=48,height=36]']);
    const grid = await probeFile(join(dir, 'out', 'sweep', 'grid.mp4'));
    expect(grid.width).toBeGreaterThan(48);
    expect(grid.height).toBeGreaterThan(36);
  }, 120_000);

  it('runs one leg per row of a table, and an edited row re-runs only its legs', async () => {
    writeFileSync(join(dir, 'shots.csv'), 'video,mask,prompt\nclips/a.mp4,clips/a-mask.mp4,"a table, bare"\nclips/b.mp4,clips/b-mask.mp4,a shelf\n');
    writeFileSync(
      join(dir, 'shots.yaml'),
      `version: 1
name: shots
inputs:
  shots: { type: table, default: shots.csv, columns: { video: video, mask: video, prompt: string } }
steps:
  remove:
    matrix: { shot: "\${{ inputs.shots }}" }
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: "\${{ matrix.shot.video }}", mask_video: "\${{ matrix.shot.mask }}", prompt: "\${{ matrix.shot.prompt }}" }
  reel:
    uses: local/concat
    with: { videos: "\${{ steps.remove.outputs.video }}" }
outputs:
  cleaned: \${{ steps.remove.outputs.video }}
  reel: \${{ steps.reel.outputs.video }}
`,
    );
    const first = run('shots.yaml');
    expect(first.code, first.stderr).toBe(0);
    expect(statuses(first, 'remove')).toEqual({ 'remove[shot=a]': 'succeeded', 'remove[shot=b]': 'succeeded' });
    expect(first.steps['remove[shot=a]']!.matrix).toEqual({ shot: 'a' });
    expect(existsSync(join(dir, 'out', 'shots', 'cleaned', 'shot=a', 'cleaned.mp4'))).toBe(true);

    writeFileSync(join(dir, 'shots.csv'), 'video,mask,prompt\nclips/a.mp4,clips/a-mask.mp4,"a table, bare"\nclips/b.mp4,clips/b-mask.mp4,an empty shelf\n');
    const edited = run('shots.yaml');
    expect(edited.code, edited.stderr).toBe(0);
    expect(statuses(edited, 'remove')).toEqual({ 'remove[shot=a]': 'cached', 'remove[shot=b]': 'succeeded' });
    // The offline removal ignores the prompt: the same pixels again, so the reel of them is reused by content.
    expect(edited.steps.reel!.status).toBe('cached');
  }, 180_000);

  it('reports a bad table cell at its line in the table file', () => {
    writeFileSync(join(dir, 'bad.csv'), 'video,mask,prompt\nclips/a.mp4,clips/a-mask.mp4,ok\nclips/b.mp4,,missing mask\n');
    writeFileSync(join(dir, 'bad-table.yaml'), readFileSync(join(dir, 'shots.yaml'), 'utf8').replace('default: shots.csv', 'default: bad.csv').replace('name: shots', 'name: bad-table'));
    const result = runCli(['plan', 'bad-table.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.csv:3:\d+: error: row 2 has no "mask"/);
  });

  it('refuses a table outside the recipe\'s work tree unless it is given with --input, whose files are then the user\'s', () => {
    mkdirSync(join(dir, 'repo', '.git'), { recursive: true });
    writeFileSync(join(dir, 'repo', 'outside.yaml'), readFileSync(join(dir, 'shots.yaml'), 'utf8').replace('default: shots.csv', 'default: ../shots.csv').replace('name: shots', 'name: outside'));
    const refused = runCli(['plan', 'repo/outside.yaml'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/outside\.yaml:\d+:\d+: error: table \.\.\/shots\.csv of input "shots" is outside the recipe's work tree/);
    // The clips the table names lie outside the repository too: the user chose them by giving the table.
    const given = runCli(['plan', 'repo/outside.yaml', '--input', 'shots=shots.csv'], { cwd: dir });
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toMatch(/remove ×2/);
    // What the recipe itself names stays held to its work tree, even a file the user's table names as well.
    writeFileSync(join(dir, 'repo', 'reads.yaml'), `${readFileSync(join(dir, 'repo', 'outside.yaml'), 'utf8').replace('name: outside', 'name: reads').replace(/\noutputs:[\s\S]*$/, '\n')}  peek:\n    uses: local/trim\n    with: { video: ../clips/a.mp4, start: 0, duration: 0.5 }\n`);
    const named = runCli(['plan', 'repo/reads.yaml', '--input', 'shots=shots.csv'], { cwd: dir });
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/reads\.yaml:\d+:\d+: error: step "peek": video \.\.\/clips\/a\.mp4 is outside the recipe's work tree/);
  });

  it('finishes the other legs when one fails, and a re-run redoes only the failed leg', () => {
    writeFileSync(
      join(dir, 'late.yaml'),
      `version: 1
name: late
inputs:
  clips: { type: list, of: video, default: [clips/a.mp4, clips/b.mp4, clips/c.mp4] }
steps:
  tail:
    matrix: { clip: "\${{ inputs.clips }}" }
    uses: local/trim
    with: { video: "\${{ matrix.clip }}", start: 1.2, duration: 0.3 }
outputs:
  tail: \${{ steps.tail.outputs.video }}
`,
    );
    const first = run('late.yaml');
    expect(first.code).toBe(1);
    // a.mp4 is 1 s long: its cut cannot start at 1.2 s; the others go on (fail-fast is off for batches).
    expect(statuses(first, 'tail')).toEqual({ 'tail[clip=a]': 'failed', 'tail[clip=b]': 'succeeded', 'tail[clip=c]': 'succeeded' });
    expect(first.steps['tail[clip=a]']!.error).toMatch(/cannot start the cut at 1.2 s/);

    const fixed = run('late.yaml', ['--input', 'clips=clips/b.mp4', '--input', 'clips=clips/c.mp4', '--input', 'clips=clips/b.mp4']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(Object.values(statuses(fixed, 'tail'))).toEqual(['cached', 'cached', 'cached']);
  }, 120_000);

  it('stops starting legs after a failure with fail-fast, and holds legs to max-parallel', () => {
    writeFileSync(
      join(dir, 'fast.yaml'),
      `version: 1
name: fast
steps:
  tail:
    matrix: { clip: [clips/a.mp4, clips/b.mp4, clips/c.mp4] }
    max-parallel: 1
    fail-fast: true
    uses: local/trim
    with: { video: "\${{ matrix.clip }}", start: 1.2, duration: 0.3 }
`,
    );
    const result = runCli(['run', 'fast.yaml', '--offline', '--json', '--no-cache'], { cwd: dir });
    const parsed = JSON.parse(result.stdout) as RunJson;
    expect(Object.values(parsed.steps).map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped']);
  }, 60_000);

  it('runs a sub-recipe once per leg', async () => {
    mkdirSync(join(dir, 'lib'), { recursive: true });
    writeFileSync(
      join(dir, 'lib', 'head.yaml'),
      `version: 1
inputs:
  video: { type: video }
steps:
  cut:
    uses: local/trim
    with: { video: "\${{ inputs.video }}", start: 0, duration: 0.4 }
outputs:
  video: \${{ steps.cut.outputs.video }}
`,
    );
    writeFileSync(
      join(dir, 'heads.yaml'),
      `version: 1
name: heads
steps:
  head:
    matrix: { clip: [clips/a.mp4, clips/b.mp4] }
    uses: ./lib/head.yaml
    with: { video: "\${{ matrix.clip }}" }
  reel:
    uses: local/concat
    with: { videos: "\${{ steps.head.outputs.video }}" }
outputs:
  reel: \${{ steps.reel.outputs.video }}
`,
    );
    const result = run('heads.yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(result.steps)).toEqual(['head[clip=clips/a.mp4]/cut', 'head[clip=clips/b.mp4]/cut', 'reel']);
    expect(result.steps['head[clip=clips/a.mp4]/cut']!.step).toBe('head/cut');
    const reel = await probeFile(join(dir, 'out', 'heads', 'reel.mp4'));
    expect(reel.duration).toBeGreaterThan(0.6);
    expect(reel.duration).toBeLessThan(1);
  }, 120_000);

  it('refuses a repeated --input for an input that takes one value', () => {
    const result = runCli(['plan', 'shots.yaml', '--input', 'shots=shots.csv', '--input', 'shots=bad.csv'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"shots" was already given \(--input shots=shots\.csv\); it takes one value/);
  });
});
