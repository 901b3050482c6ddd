import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../src/engine/journal.js';
import { runCli, startCli } from './support/cli.js';
import { decode, frameIndices, makeClip, makeMovingBoxMask, makeNumberedClip, makeTmpDir, meanOf, probeFile, removeDir, rgbOf, type Box } from './support/media.js';

interface RunJson {
  run_id: string;
  status: string;
  cost_usd: number;
  outputs: Record<string, string>;
  steps: Record<string, { status: string; backend: string; outputs: Record<string, string>; attempts: number; error?: string; reason?: string }>;
  report: string;
}

const RECIPE = `version: 1
name: glue
inputs:
  a: { type: video, default: a.mp4 }
  b: { type: video, default: b.mp4 }
  mask: { type: video, default: mask.mp4 }
  start: { type: number, default: 0.5 }
steps:
  cut:
    uses: local/trim
    with: { video: "\${{ inputs.a }}", start: "\${{ inputs.start }}", duration: 1 }
  fit:
    uses: local/transcode
    with: { video: "\${{ steps.cut.outputs.video }}", width: 96, height: 64, fit: stretch, fps: 15 }
  joined:
    uses: local/concat
    with: { videos: ["\${{ steps.fit.outputs.video }}", "\${{ inputs.b }}"] }
  vace_mask:
    uses: local/mask
    with: { mask: "\${{ inputs.mask }}", to: vace }
  last:
    uses: local/extract-frame
    with: { video: "\${{ steps.joined.outputs.video }}", at: last }
  review:
    uses: local/compare
    with: { videos: ["\${{ steps.joined.outputs.video }}", "\${{ steps.vace_mask.outputs.video }}"], layout: hstack }
outputs:
  joined: \${{ steps.joined.outputs.video }}
  mask: \${{ steps.vace_mask.outputs.video }}
  last: \${{ steps.last.outputs.image }}
  review: \${{ steps.review.outputs.video }}
`;

let dir: string;
let boxes: Box[];

function run(args: string[] = []): RunJson & { code: number; stderr: string } {
  const result = runCli(['run', 'recipe.yaml', '--json', ...args], { cwd: dir });
  expect(result.stdout, result.stderr).not.toBe('');
  return { ...(JSON.parse(result.stdout) as RunJson), code: result.code, stderr: result.stderr };
}

const statusOf = (r: RunJson) => Object.fromEntries(Object.entries(r.steps).map(([id, s]) => [id, s.status]));

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-run-');
  // 20 numbered grey frames at 10 fps: which frames a cut kept can be read back from the pixels.
  await makeNumberedClip(join(dir, 'a.mp4'), { width: 64, height: 48, fps: 10, frames: 20 });
  await makeClip(join(dir, 'b.mp4'), { width: 96, height: 64, fps: 15, duration: 1, source: 'color', color: 'blue' });
  boxes = await makeMovingBoxMask(join(dir, 'mask.mp4'), { width: 96, height: 64, fps: 15, frames: 15 });
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
}, 60_000);

afterAll(() => removeDir(dir));

describe('vidrecipe run on local steps', () => {
  it('runs trim → transcode → concat → compare, masks and frames, and writes what the recipe says', async () => {
    const result = run();
    expect(result.code, result.stderr).toBe(0);
    expect(result.status).toBe('succeeded');
    expect(Object.values(statusOf(result))).toEqual(Array(6).fill('succeeded'));
    expect(Object.keys(result.outputs).sort()).toEqual(['joined', 'last', 'mask', 'review']);
    expect(result.outputs.joined).toBe(join(dir, 'out', 'glue', 'joined.mp4'));

    // joined = 1 s of a (from frame 5, stretched to 96×64 at 15 fps) + 1 s of blue b
    const joined = await probeFile(result.outputs.joined!);
    expect(joined).toMatchObject({ width: 96, height: 64, codec: 'h264' });
    expect(joined.duration).toBeCloseTo(2, 1);
    expect(joined.frames).toBe(30);
    const head = await decode(result.outputs.joined!, 'rgb24');
    expect(meanOf(head.frames[0]!, 96, 3, { x: 0, y: 0, w: 96, h: 64 })).toBeCloseTo(16 + 8 * 5, -1);
    const [r, g, b] = rgbOf(head.frames.at(-1)!, 96, { x: 8, y: 8, w: 80, h: 48 });
    expect(b).toBeGreaterThan(200);
    expect(r + g).toBeLessThan(40);
    const cut = await frameIndices(result.steps.cut!.outputs.video!);
    expect(cut).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);

    // VACE mask: white where the box is, black elsewhere, frame for frame
    const mask = await decode(result.outputs.mask!, 'gray');
    expect(mask.frames).toHaveLength(boxes.length);
    for (const [i, box] of boxes.entries()) {
      expect(meanOf(mask.frames[i]!, 96, 1, { x: box.x, y: box.y, w: box.size, h: box.size })).toBe(255);
      expect(meanOf(mask.frames[i]!, 96, 1, { x: 0, y: 0, w: 96, h: 20 })).toBe(0);
    }

    // the last frame of joined, as a PNG: blue
    const last = await decode(result.outputs.last!, 'rgb24');
    expect(last.frames).toHaveLength(1);
    expect(rgbOf(last.frames[0]!, last.width, { x: 8, y: 8, w: 80, h: 48 })[2]).toBeGreaterThan(200);

    // review: joined and the mask side by side, as long as the longer of them
    const review = await decode(result.outputs.review!, 'gray');
    expect([review.width, review.height]).toEqual([192, 64]);
    const right = meanOf(review.frames[0]!, 192, 1, { x: 96 + boxes[0]!.x + 2, y: boxes[0]!.y + 2, w: 8, h: 8 });
    expect(right).toBeGreaterThan(230);

    // the report: json, markdown for a PR, a poster per output
    const report = JSON.parse(readFileSync(join(result.report, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ status: 'succeeded', cache_hits: 0, name: 'glue' });
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(['cut', 'fit', 'joined', 'vace_mask', 'last', 'review']);
    const md = readFileSync(join(result.report, 'report.md'), 'utf8');
    expect(md).toMatch(/^## vidrecipe run: glue ✅ succeeded/);
    expect(md).toContain('| `fit` | `local/transcode` | local | ✅ succeeded |');
    for (const name of ['joined', 'mask', 'last', 'review']) {
      expect(md).toContain(`![${name}](posters/${name}.png)`);
      const poster = await probeFile(join(result.report, 'posters', `${name}.png`));
      expect(poster.codec).toBe('png');
    }
  });

  it('re-runs nothing when nothing changed, and plan says so', () => {
    const again = run();
    expect(again.code).toBe(0);
    expect(Object.values(statusOf(again))).toEqual(Array(6).fill('cached'));
    expect(Object.values(again.steps).every((s) => s.attempts === 0)).toBe(true);
    const plan = runCli(['plan', 'recipe.yaml', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(plan.stdout).steps.every((s: { cached: boolean }) => s.cached)).toBe(true);
    // progress without a TTY: plain lines, one per state
    const text = runCli(['run', 'recipe.yaml'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^\d\d:\d\d:\d\d cut +cached/m);
    expect(text.stderr).toMatch(/run \S+ succeeded in .* 6 steps: 0 ran, 6 cached/);
  });

  it('a cached run needs no ffmpeg: it still reports, with the posters made before (reused by content)', () => {
    const result = runCli(['run', 'recipe.yaml', '--json'], { cwd: dir, env: { FFMPEG_PATH: join(dir, 'no-such-ffmpeg') } });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as RunJson;
    const report = JSON.parse(readFileSync(join(json.report, 'report.json'), 'utf8'));
    expect(report.cache_hits).toBe(6);
    expect(report.tools.ffmpeg).toBeUndefined();
    expect(report.outputs.review.poster).toBe('posters/review.png');
    expect(existsSync(join(json.report, 'posters', 'review.png'))).toBe(true);
  });

  it('refuses an out dir it cannot write before running anything, and plan writes nothing to the state dir', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const bad = runCli(['run', 'recipe.yaml', '--no-cache', '--out', 'a-file/sub'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out .*a-file\/sub: cannot write there \(ENOTDIR\); choose another folder/);
    expect(bad.stderr).not.toMatch(/running|done/);
    const plan = runCli(['plan', 'recipe.yaml', '--state-dir', 'fresh-state'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(existsSync(join(dir, 'fresh-state'))).toBe(false);
  });

  it('runs many local steps at once without leaking listeners', () => {
    const steps = Array.from({ length: 14 }, (_, i) => `  c${i}:\n    uses: local/trim\n    with: { video: a.mp4, start: ${(i * 0.1).toFixed(1)}, duration: 0.5 }\n`).join('');
    writeFileSync(join(dir, 'wide.yaml'), `version: 1\nname: wide\nsteps:\n${steps}`);
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'local: { concurrency: 14 }\n');
    try {
      const result = runCli(['run', 'wide.yaml'], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/MaxListeners|memory leak/);
    } finally {
      writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
    }
  });

  it('re-runs a changed step and its dependents only; --force one step; --no-cache all', () => {
    const changed = run(['--input', 'start=0.2']);
    expect(statusOf(changed)).toEqual({ cut: 'succeeded', vace_mask: 'cached', fit: 'succeeded', joined: 'succeeded', last: 'succeeded', review: 'succeeded' });
    const forced = run(['--input', 'start=0.2', '--force', 'vace_mask']);
    expect(forced.steps.vace_mask!.status).toBe('succeeded');
    expect(forced.steps.cut!.status).toBe('cached');
    const all = run(['--no-cache', '--out', 'elsewhere']);
    expect(Object.values(statusOf(all))).toEqual(Array(6).fill('succeeded'));
    expect(all.outputs.review).toBe(join(dir, 'elsewhere', 'review.mp4'));
    expect(existsSync(all.outputs.review!)).toBe(true);
    expect(runCli(['run', 'recipe.yaml', '--force', 'cutt'], { cwd: dir })).toMatchObject({ code: 2, stderr: expect.stringContaining('no step "cutt"; did you mean "cut"?') });
  });

  it('two processes sharing the state dir at once both succeed, and leave a cache the next run can use', async () => {
    const both = [startCli(['run', 'recipe.yaml', '--json', '--no-cache', '--out', 'one'], { cwd: dir }), startCli(['run', 'recipe.yaml', '--json', '--no-cache', '--out', 'two'], { cwd: dir })];
    expect(await Promise.all(both.map((c) => c.exited))).toEqual([0, 0]);
    const [one, two] = both.map((c) => JSON.parse(c.output.stdout) as RunJson);
    expect(one!.steps.joined!.outputs.video).toBe(two!.steps.joined!.outputs.video);
    const next = run();
    expect(Object.values(statusOf(next))).toEqual(Array(6).fill('cached'));
    expect((await probeFile(next.outputs.review!)).width).toBe(192);
  });

  it('detects a damaged blob and recomputes it instead of serving it', async () => {
    const before = run();
    const blob = before.steps.cut!.outputs.video!;
    writeFileSync(blob, 'not a video any more');
    const after = run();
    expect(after.code).toBe(0);
    expect(after.steps.cut!.status).toBe('succeeded');
    expect(await frameIndices(after.steps.cut!.outputs.video!)).toHaveLength(10);
    const report = JSON.parse(readFileSync(join(after.report, 'report.json'), 'utf8'));
    expect(report.steps[0].warnings.join()).toMatch(/damaged/);
  });

  it('many steps waiting for a slot are not reported as a listener leak', () => {
    const steps = Array.from({ length: 14 }, (_, i) => `  s${i}:\n    uses: local/trim\n    with: { video: a.mp4, start: ${(i / 10).toFixed(1)}, duration: 0.5 }\n`).join('');
    const outputs = Array.from({ length: 14 }, (_, i) => `  o${i}: \${{ steps.s${i}.outputs.video }}\n`).join('');
    writeFileSync(join(dir, 'many.yaml'), `version: 1\nname: many\nsteps:\n${steps}outputs:\n${outputs}`);
    const result = runCli(['run', 'many.yaml'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });

  it('a failing step: exit 1, its error first, dependents skipped, other branches done, nothing cached', () => {
    writeFileSync(join(dir, 'broken.yaml'), RECIPE.replace('name: glue', 'name: broken').replace('duration: 1 }', 'duration: 1, end: 99 }').replace('start: "${{ inputs.start }}", duration: 1, end: 99', 'start: 50, duration: 1'));
    const result = runCli(['run', 'broken.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').find((l) => l.startsWith('error:'))).toMatch(/^error: step "cut" failed: .*50/);
    const json = JSON.parse(runCli(['run', 'broken.yaml', '--json'], { cwd: dir }).stdout) as RunJson;
    expect(statusOf(json)).toEqual({ cut: 'failed', vace_mask: 'cached', fit: 'skipped', joined: 'skipped', last: 'skipped', review: 'skipped' });
    expect(json.steps.fit!.reason).toMatch(/needs "cut", which failed/);
    expect(readFileSync(join(json.report, 'report.md'), 'utf8')).toMatch(/> step `cut` failed:/);
  });

  it('refuses before running: a missing media file at its line, a budget above --max-cost', () => {
    writeFileSync(join(dir, 'missing.yaml'), RECIPE.replace('default: b.mp4', 'default: nope.mp4'));
    const missing = runCli(['run', 'missing.yaml'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.yaml:\d+:\d+: error: step "joined": videos\[1\]: media file not found: .*nope\.mp4 \[media-file\]/);

    writeFileSync(join(dir, 'paid.yaml'), 'version: 1\nname: paid\nsteps:\n  remove:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    with: { video: a.mp4, mask_video: a.mp4, prompt: a table }\n');
    const budget = runCli(['run', 'paid.yaml', '--max-cost', '0.05'], { cwd: dir, env: { WAVESPEED_API_KEY: 'test-key' } });
    expect(budget.code).toBe(3);
    expect(budget.stderr).toMatch(/estimated at \$0\.10, above --max-cost \$0\.05 \(remove \$0\.10\)/);
    expect(budget.stderr).not.toContain('test-key');
  });

  it('reads limits from vidrecipe.config.yaml and points at a bad setting', () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'local:\n  concurency: 1\n');
    const bad = runCli(['run', 'recipe.yaml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/vidrecipe\.config\.yaml:2:3: error: unknown setting "concurency"; did you mean "concurrency"\? \[config\]/);
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'local:\n  concurrency: 1\n');
    expect(run(['--no-cache']).code).toBe(0);
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
  });

  it('downloads a media URL into the store; plan does not download', async () => {
    const { createServer } = await import('node:http');
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url !== '/media/clip.mp4?sig=secret') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(join(dir, 'a.mp4')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      writeFileSync(join(dir, 'url.yaml'), `version: 1\nname: url\nsteps:\n  cut:\n    uses: local/trim\n    with: { video: "http://127.0.0.1:${port}/media/clip.mp4?sig=secret", start: 1 }\n  bad:\n    uses: local/trim\n    with: { video: "http://127.0.0.1:${port}/gone.mp4", start: 1 }\n`);
      // The server lives in this process, so the CLI must run without blocking it (not spawnSync); it is
      // on loopback, which recipes may reach only when allowed.
      const cli = async (args: string[]) => {
        const child = startCli(args, { cwd: dir, env: { VIDRECIPE_ALLOW_PRIVATE_URLS: '1' } });
        return { code: await child.exited, ...child.output };
      };
      expect((await cli(['plan', 'url.yaml'])).code).toBe(0);
      expect(hits).toEqual([]);
      const run_ = await cli(['run', 'url.yaml', '--json']);
      const result = JSON.parse(run_.stdout) as RunJson;
      expect(result.steps.cut!.status).toBe('succeeded');
      expect(await frameIndices(result.steps.cut!.outputs.video!)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(result.steps.bad!.status).toBe('failed');
      expect(result.steps.bad!.error).toMatch(/video: download of http:\/\/127\.0\.0\.1:\d+\/gone\.mp4 failed: HTTP 404/);
      expect(JSON.stringify(result)).not.toContain('sig=secret');
    } finally {
      server.close();
    }
  });

  it('keeps one journal per run, in order', () => {
    const runs = readdirSync(join(dir, '.vidrecipe', 'runs'));
    expect(runs.length).toBeGreaterThan(5);
    const latest = runs.sort().at(-1)!;
    const journal = readJournal(join(dir, '.vidrecipe', 'runs', latest, 'journal.jsonl'));
    expect(journal[0]!.event).toBe('run-start');
    expect(journal.at(-1)!.event).toBe('run-end');
    expect(existsSync(join(dir, '.vidrecipe', 'tmp', latest))).toBe(false);
  });
});
