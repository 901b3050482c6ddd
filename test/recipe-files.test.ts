import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, validateJson } from './support/cli.js';

/**
 * What a recipe path may be: only a regular file of at most 4 MiB, and a symlink only when it stays inside
 * the work tree of its own folder. Anything else is refused at once, by what it is, quoting nothing of it.
 */
let base: string;
let repo: string;
const SECRET = 'aws_secret_access_key = wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'vidrecipe-files-'));
  repo = join(base, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'recipes'));
  mkdirSync(join(base, 'home'));
  writeFileSync(join(base, 'home', 'credentials'), `[default]\naws_access_key_id = AKIAEXAMPLE\n${SECRET}\n`);
  writeFileSync(join(repo, 'recipes', 'good.yaml'), 'version: 1\ninputs:\n  video: { type: video, default: clip.mp4 }\nsteps:\n  a: { uses: local/trim, with: { video: "${{ inputs.video }}", duration: 1 } }\n');
  copyFileSync(join(ROOT, 'recipes/assets/breakfast.mp4'), join(repo, 'recipes', 'clip.mp4'));
  execFileSync('mkfifo', [join(repo, 'recipes', 'fifo.yaml')]);
  symlinkSync('/dev/zero', join(repo, 'recipes', 'zero.yaml'));
  symlinkSync('fifo.yaml', join(repo, 'recipes', 'to-fifo.yaml'));
  symlinkSync(join(base, 'home', 'credentials'), join(repo, 'recipes', 'creds.yaml'));
  symlinkSync('../../home/credentials', join(repo, 'recipes', 'creds-relative.yaml'));
  symlinkSync('good.yaml', join(repo, 'recipes', 'alias.yaml'));
  // 4 MiB and one byte of comments: never parsed, refused by its size
  writeFileSync(join(repo, 'recipes', 'huge.yaml'), `${'#'.repeat(4 * 1024 * 1024)}\n`);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('recipe paths', () => {
  it('refuses /dev/zero, a FIFO, links to them, a directory and a huge file, each by what it is, and still checks the rest', () => {
    const files = ['/dev/zero', 'recipes/fifo.yaml', 'recipes/zero.yaml', 'recipes/to-fifo.yaml', 'recipes', 'recipes/huge.yaml', 'recipes/good.yaml', 'recipes/alias.yaml'];
    const { code, diagnostics } = validateJson(files, { cwd: repo });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.file, d.line, d.col, d.rule, d.message])).toEqual([
      ['/dev/zero', 1, 1, 'file', 'cannot read recipe: it is a character device (like /dev/zero or a terminal), not a file; give the path of a recipe file'],
      ['recipes/fifo.yaml', 1, 1, 'file', 'cannot read recipe: it is a named pipe (FIFO), not a file; give the path of a recipe file'],
      ['recipes/zero.yaml', 1, 1, 'file', `cannot read recipe: it is a symbolic link that leads outside the work tree ${repo}; vidrecipe does not read recipes through such links. Copy the recipe into the repository instead`],
      ['recipes/to-fifo.yaml', 1, 1, 'file', 'cannot read recipe: it is a named pipe (FIFO), not a file; give the path of a recipe file'],
      ['recipes', 1, 1, 'file', 'cannot read recipe: it is a directory, not a file; give the path of a recipe file'],
      ['recipes/huge.yaml', 1, 1, 'file', 'cannot read recipe: it is 4.0 MiB, more than the 4 MiB vidrecipe reads as a recipe (a 1,000-step recipe is about 130 KiB); split it into smaller recipes'],
    ]);
    const text = runCli(['validate', ...files], { cwd: repo });
    expect(text.stdout).toMatch(/^recipes\/good\.yaml: valid \(1 step\)$/m);
    expect(text.stdout).toMatch(/^recipes\/alias\.yaml: valid \(1 step\)$/m);
  });

  it('a recipe symlinked to a credential file outside the work tree is refused, quoting nothing of it, in every command and format', () => {
    for (const link of ['recipes/creds.yaml', 'recipes/creds-relative.yaml']) {
      const outputs = [
        runCli(['validate', link], { cwd: repo }),
        runCli(['validate', '--format', 'json', link], { cwd: repo }),
        runCli(['validate', '--format', 'github', link], { cwd: repo }),
        runCli(['plan', link], { cwd: repo }),
        runCli(['run', link, '--offline'], { cwd: repo }),
      ];
      for (const result of outputs) {
        expect(result.code).toBe(2);
        const all = result.stdout + result.stderr;
        expect(all).toContain('is a symbolic link that leads outside the work tree');
        for (const leak of ['aws_', 'AKIA', 'wJalr', '[default]', 'credentials']) expect(all).not.toContain(leak);
      }
    }
  });

  it('--input naming /dev/zero or a FIFO says what it is; run refuses before anything runs', () => {
    const plan = runCli(['plan', 'recipes/good.yaml', '--input', 'video=/dev/zero'], { cwd: repo });
    expect(plan.stderr).toContain('video: /dev/zero is a character device (like /dev/zero or a terminal), not a media file; give the path of a video or image file');
    expect(plan.stderr).not.toContain('is a directory');
    const fifo = runCli(['run', 'recipes/good.yaml', '--offline', '--input', 'video=recipes/fifo.yaml'], { cwd: repo });
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toContain(`video: ${join(repo, 'recipes', 'fifo.yaml')} is a named pipe (FIFO), not a media file`);
    const folder = runCli(['plan', 'recipes/good.yaml', '--input', 'video=recipes'], { cwd: repo });
    expect(folder.stderr).toContain('is a directory, not a media file');
  });
});
