import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/engine/config.js';
import { runCli } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

let dir: string;
/** A loopback port nothing listens on: connections to it are refused. */
let closedPort: number;

interface RunJson {
  status: string;
  steps: Record<string, { status: string; error?: string }>;
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-unreachable-');
  await makeClip(join(dir, 'clip.mp4'), { width: 32, height: 32, fps: 16, duration: 1 });
  await makeClip(join(dir, 'mask.mp4'), { width: 32, height: 32, fps: 16, duration: 1, source: 'color', color: 'white' });
  writeFileSync(
    join(dir, 'void.yaml'),
    'version: 1\nname: void\nsteps:\n  remove:\n    uses: wavespeed-ai/void-video-inpainting/mask\n    with: { video: clip.mp4, mask_video: mask.mp4, prompt: a table }\n',
  );
  writeFileSync(join(dir, 'vace.yaml'), 'version: 1\nname: vace\nsteps:\n  widen:\n    uses: alibaba/wan2.1-vace-plus/video_outpainting\n    with: { video_url: clip.mp4, prompt: wide }\n');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closedPort = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
}, 60_000);

afterAll(() => removeDir(dir));

function run(recipe: string, env: Record<string, string>): { code: number; json: RunJson; stderr: string } {
  const result = runCli(['run', recipe, '--json'], { cwd: dir, env });
  return { code: result.code, json: JSON.parse(result.stdout) as RunJson, stderr: result.stderr };
}

describe('a provider that refuses connections', () => {
  it('fails the step naming WaveSpeed, the host and the variable that chose it', () => {
    const url = `http://127.0.0.1:${closedPort}`;
    const { code, json } = run('void.yaml', { WAVESPEED_API_KEY: 'k', WAVESPEED_BASE_URL: url });
    expect(code).toBe(1);
    expect(json.steps.remove!.status).toBe('failed');
    expect(json.steps.remove!.error).toBe(
      `POST ${url}/api/v3/media/uploads: cannot connect to 127.0.0.1:${closedPort}: connection refused (WaveSpeed's endpoint, from WAVESPEED_BASE_URL in the environment); check that it is up and the URL is right`,
    );
  });

  it('names DashScope and DASHSCOPE_BASE_URL the same way', () => {
    const { code, json } = run('vace.yaml', { DASHSCOPE_API_KEY: 'k', DASHSCOPE_BASE_URL: `http://localhost:${closedPort}/` });
    expect(code).toBe(1);
    expect(json.steps.widen!.error).toMatch(
      new RegExp(`^GET http://localhost:${closedPort}/api/v1/uploads: cannot connect to localhost:${closedPort}: connection refused \\(DashScope's endpoint, from DASHSCOPE_BASE_URL in the environment\\)`),
    );
  });

  it('a port fetch will not connect to is named as such, not as a stray character in the key', () => {
    const { code, json } = run('void.yaml', { WAVESPEED_API_KEY: 'k', WAVESPEED_BASE_URL: 'http://127.0.0.1:6000' });
    expect(code).toBe(1);
    expect(json.steps.remove!.error).toBe(
      "POST http://127.0.0.1:6000/api/v3/media/uploads: port 6000 is one fetch refuses to connect to (WaveSpeed's endpoint, from WAVESPEED_BASE_URL in the environment); use another port",
    );
  });

  it('a base_url from the config file is named by its line', () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'dashscope:\n  rate: 5/s\n  base_url: https://dashscope.aliyuncs.com\n');
    try {
      const { config, diagnostics } = loadConfig(dir, {});
      expect(diagnostics).toEqual([]);
      expect(config.dashscope).toMatchObject({ baseUrl: 'https://dashscope.aliyuncs.com', baseUrlFrom: 'base_url at vidrecipe.config.yaml:3:13' });
      expect(config.wavespeed.baseUrlFrom).toBeUndefined();
    } finally {
      writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
    }
  });
});
