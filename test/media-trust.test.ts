/**
 * Media checked by content, clear media errors, and what a recipe from a pull request may touch — all
 * through the CLI on real recipe files and real (tiny) media.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import { ffmpeg, makeClip, makePng, makeTmpDir, probeFile, removeDir } from './support/media.js';

const WS_KEY = 'ws-trust-key';
const DS_KEY = 'ds-trust-key';
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: DS_KEY, concurrency: 8, taskMs: 50 });

let root: string;

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-trust-');
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  // yuv444p: an encoding that can hold an odd size (phones and screen recorders write such files).
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=s=65x49:r=16:d=0.5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv444p', join(root, 'odd.mp4')]);
  await makePng(join(root, 'photo.png'), { width: 64, height: 48 });
  // An MP4 whose index is intact but whose frame data is zeros: ffprobe reads it, nothing decodes.
  const bytes = readFileSync(join(root, 'clip.mp4'));
  const mdat = bytes.indexOf('mdat');
  const moov = bytes.indexOf('moov');
  bytes.fill(0, mdat + 4, moov > mdat ? moov : bytes.length);
  writeFileSync(join(root, 'blank.mp4'), bytes);
}, 60_000);

afterAll(async () => {
  await removeDir(root);
});

/** A repository-like folder (`repo/`, with the media) holding `repo/recipes/recipe.yaml`; returns the repo. */
function workspace(recipe: string): string {
  const dir = join(root, `w${readdirSync(root).length}`);
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'recipes'));
  for (const f of ['clip.mp4', 'odd.mp4', 'photo.png', 'blank.mp4']) copyFileSync(join(root, f), join(repo, 'recipes', f));
  writeFileSync(join(repo, 'recipes', 'recipe.yaml'), recipe);
  const fast = '  poll_interval: 40ms\n  rate: 100/s\n';
  writeFileSync(join(repo, 'vidrecipe.config.yaml'), `wavespeed:\n${fast}dashscope:\n${fast}`);
  return repo;
}

const env = () => fakes.env();

async function cli(args: string[], cwd: string) {
  const child = startCli(args, { cwd, env: env() });
  const code = await child.exited;
  return { code, stdout: child.output.stdout, stderr: child.output.stderr };
}

const TRIM_INPUT = `version: 1
name: cut
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  cut:
    uses: local/trim
    with: { video: "\${{ inputs.video }}", duration: 0.5 }
outputs:
  video: \${{ steps.cut.outputs.video }}
`;

describe('media kinds are checked by content before anything runs', () => {
  it('--input video=photo.png is refused by plan and run, naming the --input at the input line', async () => {
    const repo = workspace(TRIM_INPUT);
    const photo = join(repo, 'recipes', 'photo.png');
    for (const command of ['plan', 'run']) {
      const result = runCli([command, 'recipes/recipe.yaml', '--input', `video=${photo}`], { cwd: repo });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`recipes/recipe.yaml:4:3: error: --input video=${photo}, read by step "cut", is an image (PNG, 64×48), not a video: give a video file (MP4, MOV, WebM …) [media-kind]`);
      expect(result.stderr).not.toContain('0.000 s long');
    }
    expect(existsSync(join(repo, '.vidrecipe', 'runs'))).toBe(false);
  });

  it('a default of the wrong kind is an error at the default, either way round', () => {
    const repo = workspace(`version: 1
inputs:
  video: { type: video, default: photo.png }
  still: { type: image, default: clip.mp4 }
steps:
  cut: { uses: local/trim, with: { video: "\${{ inputs.video }}", last: 0.5 } }
  grow: { uses: local/transcode, with: { video: "\${{ inputs.video }}" } }
  ext:
    uses: alibaba/wan2.1-vace-plus/video_extension
    with: { first_frame_url: "\${{ inputs.still }}", prompt: a slow push-in }
`);
    const result = runCli(['plan', 'recipes/recipe.yaml', '--offline'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recipe.yaml:3:34: error: input "video" (default photo.png), read by steps "cut", "grow", is an image (PNG, 64×48), not a video');
    expect(result.stderr).toMatch(/recipe\.yaml:4:34: error: input "still" \(default clip\.mp4\), read by step "ext", is a video \(h264, 64×48, 1\.00 s\), not an image: .*local\/extract-frame step \[media-kind\]/);
  });

  it('a PNG written where local/trim takes a video is an error at its line, not "0.000 s long"', () => {
    const repo = workspace(`version: 1
steps:
  cut:
    uses: local/trim
    with: { video: photo.png, duration: 0.5 }
`);
    const result = runCli(['run', 'recipes/recipe.yaml'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recipe.yaml:5:20: error: step "cut": video photo.png is an image (PNG, 64×48), not a video');
    expect(result.stderr).not.toMatch(/0\.000 s long/);
  });

  it('a file of the wrong kind in a list is one error at its item, not a second one from the provider limits', () => {
    const repo = workspace(`version: 1
steps:
  gen:
    uses: alibaba/wan2.1-vace-plus/image_reference
    with: { prompt: a cat, ref_images_url: [clip.mp4, photo.png], obj_or_bg: [obj, bg] }
`);
    writeFileSync(join(repo, 'recipes', 'clip.mp4'), 'not a video at all');
    const result = runCli(['plan', 'recipes/recipe.yaml'], { cwd: repo });
    expect(result.code).toBe(2);
    const errors = result.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('recipe.yaml:5:45: error: step "gen": ref_images_url[0] clip.mp4 is not a video or an image ffmpeg can read');
    expect(result.stderr).not.toContain('[provider-limits]');
  });

  it('an MP4 with no decodable frame is named, with its step, instead of ffmpeg\'s own lines', () => {
    const repo = workspace(`version: 1
steps:
  join:
    uses: local/concat
    with: { videos: [clip.mp4, blank.mp4] }
`);
    const result = runCli(['run', 'recipes/recipe.yaml'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recipe.yaml:5:32: error: step "join": videos[1] blank.mp4 holds no frame ffmpeg can decode');
    expect(result.stderr).not.toMatch(/NAL unit|\[h264\]/);
  });

  it('an earlier step\'s output that is not media fails that step, naming its URL, and the step that reads it does not run', async () => {
    const repo = workspace(`version: 1
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_prompt: the dog, prompt: an empty room }
  cut:
    uses: local/trim
    with: { video: "\${{ steps.remove.outputs.video }}", last: 0.5 }
`);
    // The output link answers 200 with an error document instead of the video.
    fakes.ws.fault({ on: 'download', status: 200, body: { error: 'object expired' } });
    const result = await cli(['run', 'recipes/recipe.yaml', '--json'], repo);
    expect(result.code, result.stderr).toBe(1);
    const json = JSON.parse(result.stdout) as { steps: Record<string, { status: string; error?: string }> };
    // The download itself refuses a document where media was expected, naming its URL, so the output is
    // never stored and the step that would read it does not run.
    expect(json.steps.remove!.status).toBe('failed');
    expect(json.steps.remove!.error).toMatch(/download of http:\/\/127\.0\.0\.1:\d+\/files\/\w+\.mp4 is JSON \(application\/json\), not a media file/);
    expect(json.steps.cut!.status).toBe('skipped');
  }, 60_000);
});

describe('odd sizes', () => {
  it('local/trim cuts a 65×49 clip to 64×48 with a warning instead of failing in libx264', async () => {
    const repo = workspace(`version: 1
steps:
  cut:
    uses: local/trim
    with: { video: odd.mp4, duration: 0.25 }
outputs:
  video: \${{ steps.cut.outputs.video }}
`);
    const result = runCli(['run', 'recipes/recipe.yaml'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('odd.mp4 is 65×49; H.264 (yuv420p) needs even sizes, so the cut is 64×48 (the last column and row dropped)');
    expect(result.stderr).not.toContain('divisible');
    const out = await probeFile(join(repo, 'out', 'recipe', 'video.mp4'));
    expect(out).toMatchObject({ width: 64, height: 48, frames: 4 });

    // Served from the cache, the step says it again, as what was said when it was computed.
    const again = runCli(['run', 'recipes/recipe.yaml'], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/cut +cached/);
    expect(again.stderr).toMatch(/odd\.mp4 is 65×49; H\.264 \(yuv420p\) needs even sizes, so the cut is 64×48 \(the last column and row dropped\) \(said when run \S+ computed it\)/);
  });
});

describe('a recipe from a pull request', () => {
  const NOTES = `version: 1
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: ../../private-notes.txt, mask_prompt: the dog, prompt: an empty room }
`;

  it('cannot name a file outside its work tree: refused before anything is read or uploaded', async () => {
    const repo = workspace(NOTES);
    writeFileSync(join(repo, '..', 'private-notes.txt'), 'the private notes');
    const uploads = fakes.ws.uploads.length;
    for (const command of ['plan', 'run']) {
      const result = await cli([command, 'recipes/recipe.yaml'], repo);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/recipe\.yaml:5:20: error: step "remove": video \.\.\/\.\.\/private-notes\.txt is outside the recipe's work tree \(.*\); .*--allow-path DIR \[media-path\]/);
    }
    expect(fakes.ws.uploads).toHaveLength(uploads);
    expect(fakes.ws.requests).toEqual([]);
  }, 60_000);

  it('a symlink inside the work tree to a file outside it is outside', async () => {
    const repo = workspace(NOTES.replace('../../private-notes.txt', 'clip-link.mp4'));
    copyFileSync(join(root, 'clip.mp4'), join(repo, '..', 'outside.mp4'));
    symlinkSync(join(repo, '..', 'outside.mp4'), join(repo, 'recipes', 'clip-link.mp4'));
    const uploads = fakes.ws.uploads.length;
    const result = await cli(['run', 'recipes/recipe.yaml'], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/recipe\.yaml:5:20: error: step "remove": video clip-link\.mp4 is outside the recipe's work tree .*\[media-path\]/);
    expect(fakes.ws.uploads).toHaveLength(uploads);
  }, 60_000);

  it('with --allow-path the file is reachable, and still must be media: a text file is never uploaded', async () => {
    const repo = workspace(NOTES.replace('../../private-notes.txt', '../../shared/notes.mp4'));
    // recipes/../../shared is the folder beside the repository: ../shared from the repository's root.
    mkdirSync(join(repo, '..', 'shared'), { recursive: true });
    writeFileSync(join(repo, '..', 'shared', 'notes.mp4'), 'the private notes');
    const uploads = fakes.ws.uploads.length;
    const result = await cli(['run', 'recipes/recipe.yaml', '--allow-path', '../shared'], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: step "remove": video \.\.\/\.\.\/shared\/notes\.mp4 is not a video or an image ffmpeg can read .*\[media-kind\]/);
    expect(result.stderr).not.toContain('[media-path]');
    expect(fakes.ws.uploads).toHaveLength(uploads);

    // A real clip there is allowed and runs.
    copyFileSync(join(root, 'clip.mp4'), join(repo, '..', 'shared', 'notes.mp4'));
    const ok = await cli(['run', 'recipes/recipe.yaml', '--allow-path', '../shared'], repo);
    expect(ok.code, ok.stderr).toBe(0);
    expect(fakes.ws.uploads).toHaveLength(uploads + 1);
  }, 60_000);

  it('a text file inside the work tree is not media either', async () => {
    const repo = workspace(NOTES.replace('../../private-notes.txt', 'notes.txt'));
    writeFileSync(join(repo, 'recipes', 'notes.txt'), 'the private notes');
    const uploads = fakes.ws.uploads.length;
    const result = await cli(['run', 'recipes/recipe.yaml'], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('recipe.yaml:5:20: error: step "remove": video notes.txt is not a video or an image ffmpeg can read');
    expect(fakes.ws.uploads).toHaveLength(uploads);
  }, 60_000);

  it('--input paths are the user\'s own and may be anywhere', () => {
    const repo = workspace(TRIM_INPUT);
    const result = runCli(['run', 'recipes/recipe.yaml', '--input', `video=${join(root, 'clip.mp4')}`], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
  });

  it('a name that would lead the out folder out of out/ is an error at its line', () => {
    const repo = workspace(TRIM_INPUT.replace('name: cut', 'name: ../../../../tmp/pwned'));
    const result = runCli(['validate', 'recipes/recipe.yaml'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('recipe.yaml:2:7: error: name "../../../../tmp/pwned" must start with a letter or digit');
    expect(result.stdout).toContain('[recipe-name]');
    const run = runCli(['run', 'recipes/recipe.yaml'], { cwd: repo });
    expect(run.code).toBe(2);
    expect(existsSync(join(repo, '..', '..', '..', '..', 'tmp', 'pwned'))).toBe(false);
  });

  it('a recipe file called ...yaml, without a name, writes to out/recipe/, not to out/.. ', () => {
    const repo = workspace(TRIM_INPUT.replace('name: cut\n', ''));
    copyFileSync(join(repo, 'recipes', 'recipe.yaml'), join(repo, 'recipes', '...yaml'));
    const result = runCli(['run', 'recipes/...yaml'], { cwd: repo });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(repo, 'out'))).toEqual(['recipe']);
    expect(existsSync(join(repo, 'out', 'recipe', 'video.mp4'))).toBe(true);
  });

  it('--out that is or holds an input of the run, or the recipe, is refused with exit 2 and nothing is overwritten', () => {
    const repo = workspace(TRIM_INPUT.replace('name: cut', 'name: clip'));
    const clip = readFileSync(join(repo, 'recipes', 'clip.mp4'));
    for (const out of ['.', 'recipes']) {
      const result = runCli(['run', 'recipes/recipe.yaml', '--out', out], { cwd: repo });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`vidrecipe: --out ${out}: it holds the recipe recipes/recipe.yaml, which the outputs could overwrite`);
    }
    // An --input in the out folder: the output video.mp4 would replace the input video.mp4.
    mkdirSync(join(repo, 'takes'));
    copyFileSync(join(root, 'clip.mp4'), join(repo, 'takes', 'video.mp4'));
    const taken = runCli(['run', 'recipes/recipe.yaml', '--out', 'takes', '--input', 'video=takes/video.mp4'], { cwd: repo });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/--out takes: it holds .*takes\/video\.mp4, an input of this run \(--input video\)/);
    expect(readFileSync(join(repo, 'takes', 'video.mp4'))).toEqual(readFileSync(join(root, 'clip.mp4')));
    expect(readFileSync(join(repo, 'recipes', 'clip.mp4'))).toEqual(clip);
    expect(readdirSync(join(repo, 'recipes')).sort()).toEqual(['blank.mp4', 'clip.mp4', 'odd.mp4', 'photo.png', 'recipe.yaml']);
  });
});
