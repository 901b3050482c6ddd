import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli, validateJson } from './support/cli.js';
import { startFakeWaveSpeed, type FakeProvider } from './support/fake-providers/index.mjs';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

const KEY = 'ws-key-not-for-strangers-51c2';

const RECIPE = `version: 1
name: hosts
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: an empty table }
`;

let dir: string;
let ws: FakeProvider;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-hosts-');
  await makeClip(join(dir, 'clip.mp4'), { width: 32, height: 32, fps: 16, duration: 1 });
  await makeClip(join(dir, 'mask.mp4'), { width: 32, height: 32, fps: 16, duration: 1, source: 'color', color: 'white' });
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  ws = await startFakeWaveSpeed({ apiKey: KEY, taskMs: 50 });
}, 60_000);

afterAll(async () => {
  await ws?.close();
  await removeDir(dir);
});

beforeEach(() => ws.reset());

function config(text: string): void {
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), text);
}

/** The CLI in a child process: the fake lives in this one and must keep answering. */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = startCli(args, { cwd: dir, env: { WAVESPEED_API_KEY: KEY, WAVESPEED_BASE_URL: undefined, ...env } });
  const code = await child.exited;
  return { code, ...child.output };
}

describe('API keys go only to the providers’ own hosts', () => {
  it('a base_url in the work tree’s config pointing elsewhere is refused at its line, and the key is never sent', async () => {
    config(`wavespeed:\n  poll_interval: 50ms\n  base_url: ${ws.url}\n`);
    const run = await cli(['run', 'recipe.yaml', '--json']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `vidrecipe.config.yaml:3:13: error: base_url ${ws.url} is not WaveSpeed's own host (api.wavespeed.ai); the API key would be sent there. To use another endpoint (a proxy, a test server), set WAVESPEED_BASE_URL in the environment instead, where a pull request cannot change it [base-url]`,
    );
    expect(ws.requests).toEqual([]);

    const plan = await cli(['plan', 'recipe.yaml']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toContain('vidrecipe.config.yaml:3:13: error: base_url');
  });

  it('the environment’s *_BASE_URL is the override: with it the same config runs, against that endpoint', async () => {
    config(`wavespeed:\n  poll_interval: 50ms\n  base_url: https://wavespeed.example.net\n`);
    const run = await cli(['run', 'recipe.yaml', '--json'], { WAVESPEED_BASE_URL: ws.url });
    expect(run.code, run.stderr).toBe(0);
    const submit = ws.requests.find((r) => r.method === 'POST' && r.path.startsWith('/api/v3/wavespeed-ai/'));
    expect(submit?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('plain http is refused for a key, from the environment too, except to loopback', async () => {
    config('');
    for (const url of ['http://api.wavespeed.ai', 'http://10.0.0.7:8080']) {
      const plan = runCli(['plan', 'recipe.yaml'], { cwd: dir, env: { WAVESPEED_BASE_URL: url } });
      expect(plan.code).toBe(2);
      expect(plan.stderr).toContain(`vidrecipe: WAVESPEED_BASE_URL=${new URL(url).origin} is plain http to another machine: the API key would travel unencrypted; use https`);
    }
    config('dashscope:\n  base_url: http://dashscope.aliyuncs.com\n');
    const { code, diagnostics } = validateJson(['recipe.yaml'], { cwd: dir, env: { DASHSCOPE_BASE_URL: undefined } });
    expect(code).toBe(2);
    expect(diagnostics).toMatchObject([{ file: 'vidrecipe.config.yaml', line: 2, col: 13, rule: 'base-url', message: expect.stringContaining('is plain http: the API key would travel unencrypted; write https://dashscope.aliyuncs.com') }]);
  });

  it('the documented hosts are accepted from the config: regional endpoints and workspace domains', () => {
    config(
      'wavespeed:\n  base_url: https://api.wavespeed.ai\ndashscope:\n  base_url: https://ws-8f2k1x.cn-beijing.maas.aliyuncs.com/\n',
    );
    expect(validateJson(['recipe.yaml'], { cwd: dir, env: { WAVESPEED_BASE_URL: undefined, DASHSCOPE_BASE_URL: undefined } }).diagnostics).toEqual([]);
    config('dashscope:\n  base_url: https://dashscope.aliyuncs.com.evil.example\n');
    expect(validateJson(['recipe.yaml'], { cwd: dir, env: { DASHSCOPE_BASE_URL: undefined } }).diagnostics).toMatchObject([{ line: 2, rule: 'base-url' }]);
    config('');
  });
});
