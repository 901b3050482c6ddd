import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffprobePath } from '../src/media/binaries.js';
import { runCli, startCli, waitFor } from './support/cli.js';
import { startFakeDashScope, type FakeProvider } from './support/fake-providers/index.mjs';
import { ffmpeg, makeClip, makeTmpDir, probeFile, removeDir } from './support/media.js';

/** Text a reviewer must see as text: were it markup, it would run in the page or break the PR comment. */
const HOSTILE = `<img src=x onerror="alert(1)"> & 'quotes' **bold** [link](https://example.com) \`code\``;

const RECIPE = `version: 1
name: review
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: "\${{ inputs.video }}", prompt: ${JSON.stringify(HOSTILE)}, left_scale: 1.5 }
  cut:
    uses: local/trim
    with: { video: "\${{ steps.widen.outputs.video }}", duration: 1 }
outputs:
  video: \${{ steps.cut.outputs.video }}
`;

interface Report {
  status: string;
  offline_preview: boolean;
  steps: {
    id: string;
    backend: string;
    offline_preview: boolean;
    task_id?: string;
    params?: Record<string, unknown>;
    prompts?: Record<string, string>;
    actual_prompt?: string;
    timeline: { phase: string; from_ms: number; to_ms: number }[];
    before?: { param: string; video?: string; poster?: string; strip?: string };
    outputs: Record<string, { video?: string; poster?: string; strip?: string; width?: number; height?: number }>;
  }[];
  outputs: Record<string, { poster?: string; strip?: string; animation?: string; video?: string }>;
}

let dir: string;
let runDir: string;

function profile(file: string): string {
  return execFileSync(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=profile', '-of', 'default=nw=1:nk=1', file], { encoding: 'utf8' }).trim();
}

/** Width and height of a PNG, from its header. */
function pngSize(file: string): [number, number] {
  const head = readFileSync(file);
  expect(head.subarray(1, 4).toString()).toBe('PNG');
  return [head.readUInt32BE(16), head.readUInt32BE(20)];
}

/** Every file under `folder` with its modification time. */
function listing(folder: string): Record<string, number> {
  return Object.fromEntries((readdirSync(folder, { recursive: true }) as string[]).map((f) => [f, statSync(join(folder, f)).mtimeMs]));
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-report-');
  // Lossless H.264 ("High 4:4:4 Predictive"), which browsers refuse: the report must show a copy they play.
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=64x48:r=16:d=1', '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', join(dir, 'clip.mp4')]);
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  const result = runCli(['run', 'recipe.yaml', '--offline'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const path = /^report: (\S+report\.html) /m.exec(result.stderr)?.[1];
  expect(path, result.stderr).toBeDefined();
  runDir = join(dir, path!, '..');
}, 120_000);

afterAll(() => removeDir(dir));

describe('the run report', () => {
  it('prints report.html\'s path and writes it beside report.md and report.json', () => {
    for (const file of ['report.html', 'report.md', 'report.json']) expect(existsSync(join(runDir, file)), file).toBe(true);
  });

  it('report.json holds each step\'s request: params, prompts, backend, the offline badge, and its timeline', () => {
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    expect(report.offline_preview).toBe(true);
    const [widen, cut] = report.steps;
    expect(widen).toMatchObject({ id: 'widen', backend: 'local', offline_preview: true, prompts: { prompt: HOSTILE } });
    expect(widen!.params).toMatchObject({ video_url: '${{ inputs.video }}', prompt: HOSTILE, left_scale: 1.5, duration: 5, prompt_extend: true });
    expect(cut).toMatchObject({ id: 'cut', offline_preview: false, params: { video: '${{ steps.widen.outputs.video }}', duration: 1 } });
    for (const step of report.steps) {
      const running = step.timeline.find((t) => t.phase === 'running');
      expect(running, step.id).toBeDefined();
      expect(running!.to_ms).toBeGreaterThan(running!.from_ms);
    }
    // cut waited for widen: its running starts after widen's ends
    expect(cut!.timeline.find((t) => t.phase === 'running')!.from_ms).toBeGreaterThanOrEqual(widen!.timeline.find((t) => t.phase === 'running')!.to_ms);
  });

  it('report.md names the offline preview and shows the prompt as text', () => {
    const md = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(md).toMatch(/> \[!NOTE\]\n> 🧪 \*\*Offline preview\*\*: `widen` ran on a local implementation/);
    expect(md).toContain('| `widen` | `alibaba/wan2.1-vace-plus/video_outpainting` | local (offline preview) |');
    const line = md.split('\n').find((l) => l.startsWith('- prompt: '))!;
    expect(line).not.toMatch(/<img|\]\(|\*\*bold/);
    expect(line).toContain('&lt;img src=x onerror="alert\\(1\\)"\\> &amp; \'quotes\' \\*\\*bold\\*\\* \\[link\\]\\(https://example\\.com\\) \\`code\\`');
  });

  it('report.html escapes recipe text, loads nothing from the network, and every file it names is beside it', () => {
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;quotes&#39;');
    const refs = [...html.matchAll(/\b(?:src|poster|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      if (ref.startsWith('#')) continue;
      expect(ref).not.toMatch(/^[a-z]+:|^\/\//i);
      expect(existsSync(join(runDir, decodeURIComponent(ref))), ref).toBe(true);
    }
    expect(html).toMatch(/<span class="badge offline">offline preview<\/span>/);
    expect(html).toContain('class="ba-range"');
  });

  it('shows every video as H.264 a browser plays, the edited input beside the output', async () => {
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    const widen = report.steps[0]!;
    expect(profile(join(dir, 'clip.mp4'))).toBe('High 4:4:4 Predictive');
    expect(widen.before).toMatchObject({ param: 'video_url' });
    const before = join(runDir, widen.before!.video!);
    expect(profile(before)).toMatch(/^(Constrained Baseline|Baseline|Main|High)$/);
    expect(await probeFile(before)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 64, height: 48, frames: 16 });
    const after = join(runDir, widen.outputs.video!.video!);
    expect(await probeFile(after)).toMatchObject({ codec: 'h264', width: 80, height: 48 });
  });

  it('posters are at least 640 px on their long side, strips hold frames over time, the output has a small animation', async () => {
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    const widen = report.steps[0]!;
    // the 64×48 input scaled up to 640×480; the 80×48 output (widened by 1.5 on the left) to 640×384
    expect(pngSize(join(runDir, widen.before!.poster!))).toEqual([640, 480]);
    expect(pngSize(join(runDir, widen.outputs.video!.poster!))).toEqual([640, 384]);
    // the edited video: five frames, each 320 px on its long side, 4 px apart (the input has its poster only)
    expect(widen.before!.strip).toBeUndefined();
    const strip = await probeFile(join(runDir, widen.outputs.video!.strip!));
    expect([strip.width, strip.height]).toEqual([5 * 320 + 4 * 4, 192]);
    // the recipe's output: its poster under its own name (for report.md) and an animated WebP under 2 MB
    const output = report.outputs.video!;
    expect(output.poster).toBe('posters/video.png');
    expect(pngSize(join(runDir, output.poster!))[0]).toBe(640);
    expect(output.animation).toBe('posters/video.webp');
    expect(readFileSync(join(runDir, 'report.md'), 'utf8')).toContain('Animated preview: [posters/video.webp](posters/video.webp)');
    const animation = readFileSync(join(runDir, output.animation!));
    expect(animation.subarray(0, 4).toString()).toBe('RIFF');
    expect(animation.subarray(8, 12).toString()).toBe('WEBP');
    expect(animation.length).toBeLessThan(2 * 1024 * 1024);
    // several frames (ANMF chunks): it moves
    expect(animation.toString('latin1').split('ANMF').length - 1).toBeGreaterThan(5);
  });

  it('a fully cached run makes no new posters: it reuses them by content, even without ffmpeg', () => {
    const previews = join(dir, '.vidrecipe', 'previews');
    const before = listing(previews);
    const result = runCli(['run', 'recipe.yaml', '--offline', '--json'], { cwd: dir, env: { FFMPEG_PATH: join(dir, 'no-such-ffmpeg') } });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { report: string };
    expect(listing(previews)).toEqual(before);
    const report = JSON.parse(readFileSync(join(json.report, 'report.json'), 'utf8')) as Report;
    expect(report.steps.map((s) => s.timeline.some((t) => t.phase === 'running'))).toEqual([false, false]);
    const widen = report.steps[0]!;
    for (const file of [widen.before!.poster!, widen.before!.video!, widen.outputs.video!.poster!, report.outputs.video!.animation!]) {
      expect(existsSync(join(json.report, file)), file).toBe(true);
    }
    expect(pngSize(join(json.report, 'posters', 'video.png'))[0]).toBe(640);
  });
});

describe('previews deleted by hand', () => {
  it('are made again by the next report, not linked from nothing', () => {
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report & { outputs: Record<string, { digest: string }> };
    const made = join(dir, '.vidrecipe', 'previews', report.outputs.video!.digest);
    rmSync(join(made, 'poster.png'));
    const result = runCli(['run', 'recipe.yaml', '--offline', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const again = (JSON.parse(result.stdout) as { report: string }).report;
    expect(pngSize(join(made, 'poster.png'))[0]).toBe(640);
    expect(pngSize(join(again, 'posters', 'video.png'))[0]).toBe(640);
  });
});

describe('the run report of a hosted step', () => {
  const KEY = 'sk-ds-report-1b2c';
  let ds: FakeProvider;
  beforeAll(async () => {
    ds = await startFakeDashScope({ apiKey: KEY, taskMs: 100 });
  });
  afterAll(async () => ds?.close());

  it('names the task id and the prompt DashScope rewrote ours into, in json, markdown and html', async () => {
    const work = join(dir, 'hosted');
    execFileSync('mkdir', ['-p', work]);
    await makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
    writeFileSync(join(work, 'vidrecipe.config.yaml'), 'dashscope:\n  poll_interval: 40ms\n');
    writeFileSync(join(work, 'recipe.yaml'), RECIPE.replace(/prompt: .*?, left_scale/, 'prompt: "a wide kitchen", left_scale'));
    const child = startCli(['run', 'recipe.yaml', '--json'], { cwd: work, env: { DASHSCOPE_API_KEY: KEY, DASHSCOPE_BASE_URL: ds.url } });
    const code = await child.exited;
    expect(code, child.output.stderr).toBe(0);
    const json = JSON.parse(child.output.stdout) as { report: string; steps: Record<string, { task_id?: string }> };
    const taskId = json.steps.widen!.task_id!;
    expect(taskId).toBeTruthy();
    const report = JSON.parse(readFileSync(join(json.report, 'report.json'), 'utf8')) as Report;
    expect(report.offline_preview).toBe(false);
    expect(report.steps[0]).toMatchObject({ backend: 'dashscope', offline_preview: false, task_id: taskId, actual_prompt: 'a wide kitchen (extended)' });
    const phases = report.steps[0]!.timeline.map((t) => t.phase);
    expect(phases).toEqual(expect.arrayContaining(['uploading', 'submitting', 'running']));
    const md = readFileSync(join(json.report, 'report.md'), 'utf8');
    expect(md).toContain(`task \`${taskId}\``);
    expect(md).toContain('- prompt as the provider rewrote it: a wide kitchen \\(extended\\)');
    const html = readFileSync(join(json.report, 'report.html'), 'utf8');
    expect(html).toContain(`task <code>${taskId}</code>`);
    expect(html).toContain('a wide kitchen (extended)');
    expect(html).not.toContain('offline preview</span>');
  });
});

describe('the report of an interrupted run', () => {
  it('makes no new previews after Ctrl-C (stopping stays quick); the next run\'s report makes them', async () => {
    const work = join(dir, 'interrupted');
    execFileSync('mkdir', ['-p', work]);
    await makeClip(join(work, 'clip.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
    await makeClip(join(work, 'long.mp4'), { width: 320, height: 240, fps: 30, duration: 8 });
    writeFileSync(
      join(work, 'recipe.yaml'),
      `version: 1
name: slow
steps:
  first:
    uses: local/trim
    with: { video: clip.mp4, duration: 0.5 }
  big:
    uses: local/transcode
    needs: [first]
    with: { video: long.mp4, width: 960, height: 720, fit: stretch }
outputs:
  video: \${{ steps.first.outputs.video }}
`,
    );
    const child = startCli(['run', 'recipe.yaml'], { cwd: work });
    await waitFor(() => (/big +running/.test(child.output.stderr) ? true : undefined), 60_000, 'big to start');
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    const runs = join(work, '.vidrecipe', 'runs');
    const [first] = readdirSync(runs);
    const report = JSON.parse(readFileSync(join(runs, first!, 'report.json'), 'utf8')) as Report;
    expect(report.status).toBe('interrupted');
    // Ctrl-C publishes nothing (the out folder stays as the last whole run left it), and previews nothing.
    expect(report.outputs.video?.poster).toBeUndefined();
    expect(existsSync(join(work, '.vidrecipe', 'previews'))).toBe(false);
    expect(readFileSync(join(runs, first!, 'report.html'), 'utf8')).not.toContain('posters/video.png');

    const again = runCli(['run', 'recipe.yaml', '--json'], { cwd: work });
    expect(again.code, again.stderr).toBe(0);
    const next = JSON.parse(readFileSync(join((JSON.parse(again.stdout) as { report: string }).report, 'report.json'), 'utf8')) as Report;
    expect(next.outputs.video!.poster).toBe('posters/video.png');
  }, 120_000);
});
