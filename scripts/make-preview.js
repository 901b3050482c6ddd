#!/usr/bin/env node
// Writes docs/demo-preview.webp, the before/after loop README shows: the demo recipe run offline on the
// samples, its side-by-side review clip as an animated WebP (a few seconds, well under 2 MB, which GitHub
// and every current browser play inline). Part of `npm run samples`; the file is committed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../dist/media/binaries.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'docs', 'demo-preview.webp');
const work = mkdtempSync(join(tmpdir(), 'vidrecipe-preview-'));
try {
  const run = JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'bin', 'vidrecipe.js'), 'run', 'recipes/remove-outpaint-extend.yaml', '--offline', '--json', '--state-dir', join(work, 'state'), '--out', join(work, 'out')], { cwd: ROOT, encoding: 'utf8' }),
  );
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', run.outputs.review, '-vf', 'fps=12,scale=800:-2:flags=lanczos', '-c:v', 'libwebp_anim', '-q:v', '70', '-loop', '0', OUT], { stdio: 'inherit' });
  console.log(`wrote docs/demo-preview.webp (${(statSync(OUT).size / 1024).toFixed(0)} KiB)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
