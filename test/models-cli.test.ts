import { describe, expect, it } from 'vitest';
import { MODEL_IDS } from '../src/models/catalog.js';
import { runCli } from './support/cli.js';

describe('vidrecipe models', () => {
  it('lists the whole catalog with backends', () => {
    const result = runCli(['models']);
    expect(result.code).toBe(0);
    const ids = result.stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[0]).filter((id) => id && id.includes('/'));
    // The catalog itself is pinned to DESIGN.md's table in test/models/catalog.test.ts.
    expect(ids).toEqual([...MODEL_IDS]);
    expect(result.stdout).toMatch(/wavespeed-ai\/void-video-inpainting\/mask +wavespeed, local/);
    expect(result.stdout).toMatch(/alibaba\/wan2\.1-vace-plus\/video_edit +dashscope +/);
  });

  it('prints one model\'s parameter table with ranges, defaults, rules, pricing and what offline ignores', () => {
    const result = runCli(['models', 'wavespeed-ai/void-video-inpainting/mask']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}num_inference_steps +integer 1–50 +no +30$/m);
    expect(result.stdout).toMatch(/^ {2}guidance_scale +number 0–20 +no +1$/m);
    expect(result.stdout).toMatch(/^ {2}num_frames +69 \| 77 \| 85 \| .* \| 197 +no +85$/m);
    expect(result.stdout).toMatch(/^ {2}video +video \(path, URL or reference\) +yes +—$/m);
    expect(result.stdout).toContain('Give mask_video or mask_prompt');
    expect(result.stdout).toContain('$0.05 per run; ×2 with enable_pass2_refinement; +$0.05 with a mask_video');
    expect(result.stdout).toMatch(/Offline .*accepted but not honoured: prompt, negative_prompt/);
    expect(result.stdout).toMatch(/^ {2}dilation: 3 px — The fill region is the mask/m);
  });

  it('shows in which half of the DashScope body each VACE field travels', () => {
    const result = runCli(['models', 'alibaba/wan2.1-vace-plus/video_edit']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}mask_frame_id +integer ≥ 1 +no +1 +input$/m);
    expect(result.stdout).toMatch(/^ {2}expand_ratio +number 0–1 +no +0\.05 +parameters$/m);
    // The documented input limits the pre-flight checks, in words.
    expect(result.stdout).toMatch(/^ {2}- video_url: MP4, at most 5 s, at least 16 fps, at most 50 MB$/m);
    expect(result.stdout).toMatch(/^ {2}- mask_video_url: the same width and height as video_url \(and frame count, for a video\)$/m);
  });

  it('json carries the schema and the parameter rows', () => {
    const result = runCli(['models', 'local/trim', '--format', 'json']);
    expect(result.code).toBe(0);
    const model = JSON.parse(result.stdout) as { id: string; backends: string[]; parameters: { name: string }[]; schema: { additionalProperties: boolean } };
    expect(model.id).toBe('local/trim');
    expect(model.backends).toEqual(['local']);
    expect(model.parameters.map((p) => p.name)).toEqual(['video', 'start', 'end', 'duration', 'last']);
    expect(model.schema.additionalProperties).toBe(false);
  });

  it('an unknown id is a usage error with a suggestion', () => {
    const result = runCli(['models', 'local/trimm']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('vidrecipe: unknown model "local/trimm"; did you mean "local/trim"?\n');
  });
});
