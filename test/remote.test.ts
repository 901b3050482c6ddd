import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../src/engine/hash.js';
import { startCli, waitFor } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import { startFakeDashScope, startFakeWaveSpeed, type FakeProvider } from './support/fake-providers/index.mjs';
import { makeClip, makeTmpDir, probeFile, removeDir } from './support/media.js';

const WS_KEY = 'ws-secret-key-4f1c';
const DS_KEY = 'sk-ds-secret-9a7e';
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: DS_KEY, concurrency: 8, taskMs: 150 });

let root: string;
let clipDigest: string;

interface RunJson {
  status: string;
  cost_usd: number;
  outputs: Record<string, string>;
  steps: Record<string, { status: string; cost_usd: number; task_id?: string; attempts: number; error?: string; reason?: string }>;
  report: string;
}

const CHAIN = `version: 1
name: chain
inputs:
  video: { type: video, default: clip.mp4 }
  mask: { type: video, default: mask.mp4 }
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: "\${{ inputs.video }}", mask_video: "\${{ inputs.mask }}", prompt: an empty breakfast table }
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: "\${{ steps.remove.outputs.video }}", prompt: a wide bright kitchen, left_scale: 1.5, prompt_extend: false }
  extend:
    uses: alibaba/wan2.1-vace-plus/video_extension
    with: { first_clip_url: "\${{ steps.widen.outputs.video }}", prompt: the morning light brightens }
outputs:
  video: \${{ steps.extend.outputs.video }}
`;

/** `n` independent VOID steps (different prompts, so different tasks). */
function fanOut(n: number, name = 'fan'): string {
  const steps = Array.from({ length: n }, (_, i) => `  s${i}:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "scene ${i}" }\n`).join('');
  return `version: 1\nname: ${name}\nsteps:\n${steps}`;
}

/** A folder with the sample clips, a config that polls fast, and the given recipe. */
function workspace(recipe: string, config = ''): string {
  const dir = join(root, `w${readdirSync(root).length}`);
  mkdirSync(dir);
  for (const f of ['clip.mp4', 'mask.mp4', 'long.mp4', 'slow.mp4']) copyFileSync(join(root, f), join(dir, f));
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), `wavespeed:\n  poll_interval: 40ms\n  rate: 100/s\n  concurrency: 8\ndashscope:\n  poll_interval: 40ms\n  rate: 100/s\n  concurrency: 8\n${config}`);
  return dir;
}

const env = (extra: Record<string, string | undefined> = {}) => fakes.env(extra);

/** Runs the CLI without blocking this process: the fake servers live here and must keep answering. */
async function run(dir: string, args: string[] = [], extraEnv: Record<string, string | undefined> = {}) {
  const child = startCli(['run', 'recipe.yaml', '--json', ...args], { cwd: dir, env: env(extraEnv) });
  const code = await child.exited;
  const json = child.output.stdout.trim() ? (JSON.parse(child.output.stdout) as RunJson) : undefined;
  return { code, json, stdout: child.output.stdout, stderr: child.output.stderr };
}

const submits = (p: FakeProvider) => p.requests.filter((r) => r.method === 'POST' && (r.path.startsWith('/api/v3/wavespeed-ai') || r.path.endsWith('/video-synthesis')));

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) text += readFileSync(path, 'latin1');
  }
  return text;
}

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-remote-');
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  await makeClip(join(root, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 1, source: 'color', color: 'white' });
  await makeClip(join(root, 'long.mp4'), { width: 64, height: 48, fps: 16, duration: 6 });
  await makeClip(join(root, 'slow.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  clipDigest = await sha256File(join(root, 'clip.mp4'));
}, 60_000);

afterAll(async () => {
  await removeDir(root);
});

describe('a recipe across both providers', () => {
  it('runs VOID on WaveSpeed, then outpainting and extension on DashScope, with the documented requests', async () => {
    const dir = workspace(CHAIN);
    const { code, json, stderr } = await run(dir);
    expect(code, stderr).toBe(0);
    expect(Object.fromEntries(Object.entries(json!.steps).map(([id, s]) => [id, s.status]))).toEqual({ remove: 'succeeded', widen: 'succeeded', extend: 'succeeded' });

    // The fakes hand back the input video, so the bytes that went in come out of the whole chain.
    expect(await sha256File(json!.outputs.video!)).toBe(clipDigest);
    expect((await probeFile(json!.outputs.video!)).frames).toBe(16);

    // WaveSpeed: two uploads by ticket, a flat body with their URLs, Bearer auth.
    expect(fakes.ws.uploads.map((u) => u.via)).toEqual(['ticket', 'ticket']);
    const [wsSubmit] = submits(fakes.ws);
    expect(wsSubmit!.path).toBe('/api/v3/wavespeed-ai/void-video-inpainting/mask');
    expect(wsSubmit!.headers.authorization).toBe(`Bearer ${WS_KEY}`);
    const wsBody = wsSubmit!.body as Record<string, unknown>;
    expect(wsBody).toMatchObject({ prompt: 'an empty breakfast table', num_frames: 85 });
    expect(new Set([wsBody.video, wsBody.mask_video])).toEqual(new Set(fakes.ws.uploads.map((u) => u.url)));

    // DashScope: asynchronous, each field in its half, the intl model name; the WaveSpeed output URL is
    // passed on as is (no upload to DashScope at all).
    expect(fakes.ds.uploads).toEqual([]);
    const [widen, extend] = submits(fakes.ds);
    expect(widen!.headers['x-dashscope-async']).toBe('enable');
    expect(widen!.headers.authorization).toBe(`Bearer ${DS_KEY}`);
    expect(widen!.body).toEqual({
      model: 'wan2.1-vace-plus',
      input: { function: 'video_outpainting', prompt: 'a wide bright kitchen', video_url: expect.stringMatching(new RegExp(`^${fakes.ws.url}/`)) },
      parameters: { left_scale: 1.5, top_scale: 1, bottom_scale: 1, right_scale: 1, duration: 5, prompt_extend: false, watermark: false },
    });
    expect((extend!.body as { input: Record<string, unknown> }).input).toMatchObject({ function: 'video_extension', first_clip_url: expect.stringMatching(/^http/) });

    // Actual cost: DashScope bills the output seconds it reports (1 s × $0.10); VOID's is the price table's.
    expect(json!.steps.widen!.cost_usd).toBe(0.1);
    expect(json!.steps.remove!.cost_usd).toBe(0.1);
    expect(json!.cost_usd).toBe(0.3);
    expect(readFileSync(join(json!.report, 'report.md'), 'utf8')).toMatch(/\$0\.30/);

    // Keys appear nowhere: not in output, journal, report, cache records.
    const everything = `${stderr}${JSON.stringify(json)}${allText(join(dir, '.vidrecipe', 'runs'))}${allText(join(dir, '.vidrecipe', 'cache', 'steps'))}${allText(join(dir, '.vidrecipe', 'cache', 'urls'))}`;
    expect(everything).not.toContain(WS_KEY);
    expect(everything).not.toContain(DS_KEY);

    // A second run pays nothing.
    fakes.ws.reset();
    fakes.ds.reset();
    const again = await run(dir);
    expect(again.json!.cost_usd).toBe(0);
    expect([...submits(fakes.ws), ...submits(fakes.ds)]).toEqual([]);
  }, 60_000);

  it('uploads local files to DashScope as oss:// with the resolve header, and uses the Beijing model name when told', async () => {
    const recipe = `version: 1\nname: oss\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide, top_scale: 1.2 }\n`;
    const cn = await startFakeDashScope({ apiKey: DS_KEY, region: 'cn', taskMs: 50 });
    try {
      const dir = workspace(recipe);
      writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'dashscope:\n  poll_interval: 40ms\n  region: beijing\n');
      const { code, json, stderr } = await run(dir, [], { DASHSCOPE_BASE_URL: cn.url });
      expect(code, stderr).toBe(0);
      expect(cn.uploads).toHaveLength(1);
      expect(cn.uploads[0]).toMatchObject({ via: 'oss', model: 'wanx2.1-vace-plus' });
      const policy = cn.requests.find((r) => r.query.action === 'getPolicy')!;
      expect(policy.query.model).toBe('wanx2.1-vace-plus');
      const [submit] = submits(cn);
      expect(submit!.headers['x-dashscope-ossresourceresolve']).toBe('enable');
      expect(submit!.body).toMatchObject({ model: 'wanx2.1-vace-plus', input: { video_url: cn.uploads[0]!.url }, parameters: { top_scale: 1.2 } });
      expect(await sha256File((json!.steps.widen as unknown as { outputs: { video: string } }).outputs.video)).toBe(clipDigest);
      // Billed at Beijing's price per output second.
      expect(json!.steps.widen!.cost_usd).toBe(0.100347);
    } finally {
      await cn.close();
    }
  }, 30_000);

  it('falls back to the binary upload where the ticket endpoint is missing', async () => {
    const old = await startFakeWaveSpeed({ apiKey: WS_KEY, ticketUpload: false, taskMs: 50 });
    try {
      const dir = workspace(fanOut(1, 'binary'));
      const { code, stderr } = await run(dir, [], { WAVESPEED_BASE_URL: old.url });
      expect(code, stderr).toBe(0);
      expect(old.uploads.map((u) => u.via)).toEqual(['binary', 'binary']);
    } finally {
      await old.close();
    }
  }, 30_000);
});

describe('faults', () => {
  it('a 429 with Retry-After pauses submissions and the task is submitted once it passes', async () => {
    fakes.ws.fault({ on: 'submit', status: 429, retryAfter: 1 });
    const dir = workspace(fanOut(2, 'throttled'));
    const { code, json, stderr } = await run(dir);
    expect(code, stderr).toBe(0);
    expect(json!.steps.s0!.attempts + json!.steps.s1!.attempts).toBe(2);
    const refused = fakes.ws.requests.find((r) => r.status === 429)!;
    const accepted = submits(fakes.ws).filter((r) => r.status === 200);
    expect(accepted).toHaveLength(2);
    // The refused step went again once the second the provider asked for had passed.
    const prompt = (r: (typeof accepted)[number]) => (r.body as { prompt: string }).prompt;
    const again = accepted.find((r) => prompt(r) === prompt(refused))!;
    expect(again.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(readFileSync(join(dir, '.vidrecipe', 'runs', readdirSync(join(dir, '.vidrecipe', 'runs'))[0]!, 'journal.jsonl'), 'utf8')).toMatch(/"event":"throttled".*"retry_after_ms":1000/);
  }, 30_000);

  it('5xx and dropped connections on polls are asked again; the task is not submitted twice', async () => {
    fakes.ds.fault({ on: 'poll', status: 500, times: 2 });
    fakes.ds.fault({ on: 'poll', drop: true, times: 1 });
    const dir = workspace(`version: 1\nname: polls\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide }\n`);
    const { code, stderr } = await run(dir);
    expect(code, stderr).toBe(0);
    expect(submits(fakes.ds)).toHaveLength(1);
    expect(fakes.ds.requests.filter((r) => r.status === 500)).toHaveLength(2);
  }, 60_000);

  it('a failed task shows the provider message; with retries it is submitted anew and succeeds', async () => {
    fakes.ws.failNext('mask video is empty');
    const dir = workspace(fanOut(1, 'failing'));
    const failed = await run(dir);
    expect(failed.code).toBe(1);
    expect(failed.json!.steps.s0!.error).toMatch(/WaveSpeed task \S+ failed: mask video is empty/);

    fakes.ws.failNext('temporary GPU shortage');
    writeFileSync(join(dir, 'recipe.yaml'), fanOut(1, 'failing').replace('    with:', '    retries: 1\n    with:'));
    const retried = await run(dir, [], {});
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.json!.steps.s0!.attempts).toBe(2);
    expect(submits(fakes.ws).filter((r) => r.status === 200)).toHaveLength(3);
  }, 60_000);

  it('a 4xx validation error fails the step at once with the provider message, nothing retried', async () => {
    fakes.ds.fault({ on: 'submit', status: 400, body: { code: 'InvalidParameter', message: 'The size is not match', request_id: 'r-1' } });
    const dir = workspace(`version: 1\nname: invalid\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    retries: 3\n    with: { video_url: clip.mp4, prompt: wide }\n`);
    const { code, json } = await run(dir);
    expect(code).toBe(1);
    expect(json!.steps.widen!.error).toMatch(/InvalidParameter: The size is not match/);
    expect(json!.steps.widen!.attempts).toBe(1);
    // Refused with an answer: nothing to re-attach to, the next run submits normally.
    const again = await run(dir);
    expect(again.code, again.stderr).toBe(0);
  }, 30_000);

  it('an invalid key stops that provider once, with one message; the other provider goes on', async () => {
    const recipe = `${fanOut(3, 'badkey')}  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide }\n`;
    const dir = workspace(recipe, '');
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  concurrency: 1\n  poll_interval: 40ms\n  rate: 100/s\ndashscope:\n  poll_interval: 40ms\n');
    const { code, json, stderr } = await run(dir, [], { WAVESPEED_API_KEY: 'wrong-key' });
    expect(code).toBe(1);
    const statuses = Object.values(json!.steps).map((s) => s.status);
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'skipped')).toHaveLength(2);
    expect(json!.steps.widen!.status).toBe('succeeded');
    const failed = Object.values(json!.steps).find((s) => s.status === 'failed')!;
    expect(failed.error).toMatch(/HTTP 401.*check WAVESPEED_API_KEY/);
    expect(Object.values(json!.steps).filter((s) => s.status === 'skipped').every((s) => /wavespeed refused the account/.test(s.reason ?? ''))).toBe(true);
    // One upload attempt refused, then nothing more was sent to WaveSpeed.
    expect(fakes.ws.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(`${stderr}${allText(join(dir, '.vidrecipe', 'runs'))}`).not.toContain('wrong-key');
  }, 30_000);

  it('an unpaid account (Arrearage) is named as such', async () => {
    const unpaid = await startFakeDashScope({ apiKey: DS_KEY, account: 'unpaid' });
    try {
      const dir = workspace(`version: 1\nname: unpaid\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    retries: 2\n    with: { video_url: clip.mp4, prompt: wide }\n`);
      const { code, json } = await run(dir, [], { DASHSCOPE_BASE_URL: unpaid.url });
      expect(code).toBe(1);
      expect(json!.steps.widen!.error).toMatch(/Arrearage.*overdue payment/);
      expect(json!.steps.widen!.attempts).toBe(1);
    } finally {
      await unpaid.close();
    }
  }, 30_000);

  it('a submit without an answer is not replayed: the next run refuses until --force, which submits once more', async () => {
    fakes.ws.fault({ on: 'submit', drop: true });
    const dir = workspace(fanOut(1, 'dropped'));
    const first = await run(dir);
    expect(first.code).toBe(1);
    expect(first.json!.steps.s0!.error).toMatch(/did not answer the submit.*may have been created/);
    // The provider did create the task: the request reached it, the answer was lost.
    expect(submits(fakes.ws)).toHaveLength(1);
    expect([...fakes.ws.tasks.values()].filter((t) => (t.body as { prompt: string }).prompt === 'scene 0' && t.submittedAt >= submits(fakes.ws)[0]!.at)).toHaveLength(1);

    const second = await run(dir);
    expect(second.code).toBe(1);
    expect(second.json!.steps.s0!.error).toMatch(/--force s0/);
    expect(submits(fakes.ws)).toHaveLength(1);

    const forced = await run(dir, ['--force', 's0']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(submits(fakes.ws)).toHaveLength(2);
  }, 60_000);

  it('kill -9 while polling: the next run re-attaches to the same task instead of paying again', async () => {
    const slow = await startFakeDashScope({ apiKey: DS_KEY, taskMs: 3000 });
    try {
      const dir = workspace(`version: 1\nname: killed\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide }\n`);
      const child = startCli(['run', 'recipe.yaml', '--json'], { cwd: dir, env: env({ DASHSCOPE_BASE_URL: slow.url }) });
      await waitFor(() => (slow.requests.some((r) => r.path.startsWith('/api/v1/tasks/')) ? true : undefined), 20_000, 'the first poll');
      child.kill('SIGKILL');
      await child.exited;
      expect(slow.tasks.size).toBe(1);
      const taskId = [...slow.tasks.keys()][0]!;

      const child2 = startCli(['run', 'recipe.yaml', '--json'], { cwd: dir, env: env({ DASHSCOPE_BASE_URL: slow.url }) });
      expect(await child2.exited, child2.output.stderr).toBe(0);
      const json = JSON.parse(child2.output.stdout) as RunJson;
      expect(json.steps.widen!.task_id).toBe(taskId);
      expect(slow.tasks.size).toBe(1);
      expect(submits(slow)).toHaveLength(1);
    } finally {
      await slow.close();
    }
  }, 60_000);
});

describe('faults, continued: no second payment, no stray request', () => {
  it('--force replays a lost submit once; the step\'s own retries do not replay it again', async () => {
    fakes.ws.fault({ on: 'submit', drop: true });
    const dir = workspace(fanOut(1, 'forceonce').replace('    with:', '    retries: 2\n    with:'));
    expect((await run(dir)).code).toBe(1);
    fakes.ws.fault({ on: 'submit', drop: true });
    const forced = await run(dir, ['--force', 's0']);
    expect(forced.code).toBe(1);
    expect(forced.json!.steps.s0!.error).toMatch(/--force s0/);
    // The first run's submit, then the forced one: the forced run's retries sent nothing more.
    expect(submits(fakes.ws)).toHaveLength(2);
  }, 60_000);

  it('a refused poll keeps the task open: the next run re-attaches instead of paying again', async () => {
    const slow = await startFakeDashScope({ apiKey: DS_KEY, taskMs: 600 });
    try {
      slow.fault({ on: 'poll', status: 401 });
      const dir = workspace(`version: 1\nname: pollrefused\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide }\n`);
      const first = await run(dir, [], { DASHSCOPE_BASE_URL: slow.url });
      expect(first.code).toBe(1);
      expect(first.json!.steps.widen!.error).toMatch(/InvalidApiKey/);
      const second = await run(dir, [], { DASHSCOPE_BASE_URL: slow.url });
      expect(second.code, second.stderr).toBe(0);
      expect(submits(slow)).toHaveLength(1);
      expect(second.json!.steps.widen!.task_id).toBe([...slow.tasks.keys()][0]);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it('a refused account stops submissions already waiting for the rate window', async () => {
    fakes.ws.fault({ on: 'submit', status: 401, times: 5 });
    const dir = workspace(fanOut(3, 'haltqueued'));
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  concurrency: 3\n  rate: 1/s\n  poll_interval: 40ms\n');
    const { json } = await run(dir);
    expect(Object.values(json!.steps).map((s) => s.status).sort()).toEqual(['failed', 'skipped', 'skipped']);
    expect(submits(fakes.ws)).toHaveLength(1);
  }, 30_000);

  it('a step that times out while sharing an upload does not fail the step it shares with', async () => {
    fakes.ws.fault({ on: 'upload', delayMs: 2000 });
    const dir = workspace(`version: 1\nname: sharedupload\nsteps:\n  s0:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    timeout: 1s\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "scene 0" }\n  s1:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "scene 1" }\n`);
    const { json } = await run(dir);
    expect(json!.steps.s0!.status).toBe('failed');
    expect(json!.steps.s0!.error).toMatch(/timed out after 1\.0 s/);
    expect(json!.steps.s1!.status).toBe('succeeded');
  }, 30_000);
});

describe('limits', () => {
  it('never more tasks in flight nor submissions per second than configured', async () => {
    const roomy = await startFakeWaveSpeed({ apiKey: WS_KEY, concurrency: 50, taskMs: 200 });
    try {
      const dir = workspace(fanOut(8, 'limits'));
      writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  concurrency: 3\n  rate: 4/s\n  poll_interval: 30ms\n');
      const { code, stderr } = await run(dir, [], { WAVESPEED_BASE_URL: roomy.url });
      expect(code, stderr).toBe(0);
      const stats = roomy.stats();
      expect(stats.submits).toHaveLength(8);
      expect(stats.maxInFlight).toBeLessThanOrEqual(3);
      expect(stats.maxInFlight).toBeGreaterThanOrEqual(2);
      // By the provider's clock (arrivals): a submission counts in the window from its answer, and the fake
      // answers only after it stamped the arrival, so this holds whatever delays either process.
      expect(stats.maxSubmitsIn(1000)).toBeLessThanOrEqual(4);
    } finally {
      await roomy.close();
    }
  }, 60_000);
});

describe('pre-flight, before any money', () => {
  const one = (uses: string, w: string) => `version: 1\nname: pre\nsteps:\n  s:\n    uses: ${uses}\n    with: { ${w} }\n`;

  it('refuses media a provider would refuse, naming the fix', async () => {
    const uploadsBefore = fakes.ws.uploads.length + fakes.ds.uploads.length;
    const dir = workspace(one('alibaba/wan2.1-vace-plus/video_outpainting', 'video_url: long.mp4, prompt: wide'));
    const long = await run(dir);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/recipe\.yaml:6:\d+: error: step "s": video_url: is 6 s long, over the provider's 5 s: add a local\/trim step with duration: 5 \[provider-limits\]/);

    writeFileSync(join(dir, 'recipe.yaml'), one('alibaba/wan2.1-vace-plus/video_outpainting', 'video_url: slow.mp4, prompt: wide'));
    expect((await run(dir)).stderr).toMatch(/is 10 fps, under the provider's 16 fps: add a local\/transcode step with fps: 24/);

    writeFileSync(join(dir, 'recipe.yaml'), one('wavespeed-ai/void-video-inpainting/mask', 'video: clip.mp4, mask_video: long.mp4, prompt: x'));
    expect((await run(dir)).stderr).toMatch(/mask_video has 96 frames but video has 16/);
    expect([...submits(fakes.ws), ...submits(fakes.ds)]).toEqual([]);
    expect(fakes.ws.uploads.length + fakes.ds.uploads.length).toBe(uploadsBefore);
  }, 30_000);

  it('a missing API key stops the run before it starts, naming the variable', async () => {
    const dir = workspace(fanOut(1, 'nokey'));
    const { code, stderr } = await run(dir, [], { WAVESPEED_API_KEY: undefined });
    expect(code).toBe(2);
    expect(stderr).toMatch(/error: step "s0" runs on wavespeed and needs WAVESPEED_API_KEY: export WAVESPEED_API_KEY=…/);
  }, 30_000);
});

