import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

let dir: string;

const RECIPE = `version: 1
name: tiny
inputs:
  clip: { type: video, default: clip.mp4 }
steps:
  first:
    uses: local/trim
    with: { video: "\${{ inputs.clip }}", duration: 0.5 }
  still:
    uses: local/extract-frame
    with: { video: "\${{ inputs.clip }}", at: last }
outputs:
  video: \${{ steps.first.outputs.video }}
`;

interface Ended {
  code: number | null;
  stderr: string;
}

/**
 * Runs the CLI with its stdout piped into a reader that has gone (`| true`): everything the command
 * prints meets a closed pipe, whatever the size of its output.
 */
function withClosedStdout(args: string[]): Promise<Ended> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', WAVESPEED_API_KEY: undefined, DASHSCOPE_API_KEY: undefined };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.destroy();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-closed-');
  await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  writeFileSync(join(dir, 'tiny.yaml'), RECIPE);
  writeFileSync(join(dir, 'broken.yaml'), 'version: 1\nname: broken\nsteps:\n  a:\n    uses: local/nope\n');
}, 60_000);

afterAll(() => removeDir(dir));

describe('a closed stdout is a normal end of output', () => {
  it('`vidrecipe schema | head -5` exits 0 without an EPIPE stack trace', () => {
    // The shell pipe of the issue: head reads five lines of the 76 KB schema and exits.
    const script = `{ "$0" "$1" schema 2>schema.err; echo $? >schema.code; } | head -5`;
    const head = spawnSync('sh', ['-c', script, process.execPath, BIN], { cwd: dir, encoding: 'utf8' });
    expect(head.stdout.split('\n')[1]).toContain('"$schema"');
    expect(readFileSync(join(dir, 'schema.err'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'schema.code'), 'utf8').trim()).toBe('0');
  });

  const commands: [string, string[], number][] = [
    ['schema', ['schema'], 0],
    ['models', ['models'], 0],
    ['models ID --format json', ['models', 'alibaba/wan2.1-vace-plus/video_extension', '--format', 'json'], 0],
    ['validate', ['validate', 'tiny.yaml'], 0],
    ['validate --format json (an invalid recipe)', ['validate', '--format', 'json', 'broken.yaml'], 2],
    ['plan', ['plan', 'tiny.yaml'], 0],
    ['plan --format markdown', ['plan', 'tiny.yaml', '--format', 'markdown'], 0],
    ['run --json', ['run', 'tiny.yaml', '--json', '--state-dir', 'state-json'], 0],
    ['--help', ['--help'], 0],
    ['--version', ['--version'], 0],
  ];
  for (const [name, args, code] of commands) {
    it(`${name}: the command finishes with its own exit code`, async () => {
      const ended = await withClosedStdout(args);
      expect(ended.stderr).not.toMatch(/EPIPE|node:events|^\s+at /m);
      expect(ended.code, ended.stderr).toBe(code);
    });
  }

  it('a run whose stdout closed still writes its report and its outputs', async () => {
    const ended = await withClosedStdout(['run', 'tiny.yaml', '--json', '--state-dir', 'state-closed', '--out', 'out-closed']);
    expect(ended.code, ended.stderr).toBe(0);
    expect(existsSync(join(dir, 'out-closed', 'video.mp4'))).toBe(true);
    const again = runCli(['run', 'tiny.yaml', '--json', '--state-dir', 'state-closed', '--out', 'out-closed'], { cwd: dir });
    expect(JSON.parse(again.stdout).steps.first.status).toBe('cached');
  });
});

describe('a missing ffmpeg', () => {
  it('is reported once, before the run starts, naming the setting (exit 2)', () => {
    const missing = join(dir, 'no-such-dir', 'ffmpeg');
    const result = runCli(['run', 'tiny.yaml', '--state-dir', 'state-noff'], { cwd: dir, env: { FFMPEG_PATH: missing } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.match(/FFMPEG_PATH/g)).toHaveLength(1);
    expect(result.stderr).toContain(`FFMPEG_PATH is set to ${missing}, which is not an executable file`);
    // nothing ran: no run folder, no journal
    expect(existsSync(join(dir, 'state-noff', 'runs'))).toBe(false);
  });

  it('a wrong FFPROBE_PATH too', () => {
    const result = runCli(['run', 'tiny.yaml', '--json', '--state-dir', 'state-noprobe'], { cwd: dir, env: { FFPROBE_PATH: join(dir, 'tiny.yaml') } });
    expect(result.code).toBe(2);
    // --json answers a refused run too: one object saying why, nothing run.
    expect(JSON.parse(result.stdout)).toMatchObject({ run_id: null, status: 'refused', reason: 'invalid', message: expect.stringMatching(/FFPROBE_PATH/) });
    expect(result.stderr.match(/FFPROBE_PATH/g)).toHaveLength(1);
    expect(result.stderr).not.toContain('not a video or an image');
  });

  it('plan says a wrong FFPROBE_PATH once, as a warning naming it, not once per media file', () => {
    copyFileSync(join(dir, 'clip.mp4'), join(dir, 'clip2.mp4'));
    writeFileSync(join(dir, 'two.yaml'), RECIPE.replace('  clip: { type: video, default: clip.mp4 }', '  clip: { type: video, default: clip.mp4 }\n  other: { type: video, default: clip2.mp4 }').replace('at: last }', 'at: last }\n  more:\n    uses: local/trim\n    with: { video: "\${{ inputs.other }}", duration: 0.5 }'));
    const bad = join(dir, 'tiny.yaml');
    const result = runCli(['plan', 'two.yaml', '--state-dir', 'state-plan-noprobe'], { cwd: dir, env: { FFPROBE_PATH: bad } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/FFPROBE_PATH/g)).toHaveLength(1);
    expect(result.stderr).toContain(`vidrecipe: warning: FFPROBE_PATH is set to ${bad}, which is not an executable file`);
    expect(result.stderr).not.toContain('not a video or an image');
  });
});
