// Pathological recipes: what validation costs on hostile input, as a ratio to a small valid recipe
// validated side by side in the same run (so machine load hits both alike).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, writeSection } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/vidrecipe.js');
const SMALL = join(ROOT, 'recipes/remove-outpaint-extend.yaml');
const HEAD = 'version: 1\nsteps:\n  a: { uses: local/trim, with: { video: clip.mp4, duration: 1 } }\n';

/** Each case: what it is, and its text. */
export function cases() {
  const expr = '${{ inputs.nope }}';
  return [
    ['5,000 `${{ }}` of an unknown input on one line', `${HEAD}  b:\n    uses: local/compare\n    with:\n      videos: [clip.mp4, clip.mp4]\n      labels: [x, "${Array(5000).fill(expr).join(' ')}"]\n`],
    ['60 KB of nested unclosed `[`', `${HEAD}x-b: ${'[a, '.repeat(15_000)}\n`],
    ['6,000 unclosed `[` and `{`, one pair per line', `${HEAD}${Array.from({ length: 3000 }, (_, i) => `x-k${i}: [a, {b: c`).join('\n')}\n`],
    ['20,000 errors (10,000 steps, each with a misspelt parameter)', `version: 1\nsteps:\n${Array.from({ length: 10_000 }, (_, i) => `  s${i}: { uses: local/trim, with: { video: clip.mp4, duraton: 1 } }`).join('\n')}\n`],
    ['20,000 duplicate keys in one map', `${HEAD}x-d:\n${'  k: 1\n'.repeat(20_000)}`],
    ['a block sequence nested 1,500 deep', `${HEAD}x-deep:\n${Array.from({ length: 1500 }, (_, i) => `${' '.repeat(2 * (i + 1))}-`).join('\n')}\n`],
  ];
}

function time(file) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'validate', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 2) throw new Error(`validate ${file} exited ${r.status}: ${r.stderr}`);
  return { ms, bytes: r.stdout.length };
}

export function run() {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-patho-'));
  try {
    const rows = [];
    for (const [name, text] of cases()) {
      const file = join(dir, `case-${rows.length}.yaml`);
      writeFileSync(file, text);
      time(file);
      time(SMALL);
      const bad = [];
      const small = [];
      let bytes = 0;
      for (let i = 0; i < 3; i++) {
        const t = time(file);
        bad.push(t.ms);
        bytes = t.bytes;
        small.push(time(SMALL).ms);
      }
      rows.push({ name, kib: text.length / 1024, ms: median(bad), small: median(small), bytes });
    }
    const table = rows
      .map((r) => `| ${r.name} | ${r.kib.toFixed(0)} KiB | ${r.ms.toFixed(0)} ms | ${(r.ms / r.small).toFixed(1)}× | ${(r.bytes / 1024).toFixed(0)} KiB |`)
      .join('\n');
    const body = `## Front end: pathological recipes

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| \`vidrecipe validate\` on | size | time (CLI) | ÷ a 5-step valid recipe | output |
| --- | --- | --- | --- | --- |
${table}

Each case is validated 3 times, each time next to \`recipes/remove-outpaint-extend.yaml\`, and the ratio is of the
medians, so machine load cancels out. Positions, paths, the unclosed-bracket scan and duplicate keys are all
linear in the file; each file lists its first 200 problems and counts the rest; nesting stops at 64 levels.`;
    writeSection('pathological', body);
    return rows.map((r) => ({ name: r.name, ms: Math.round(r.ms), ratio: +(r.ms / r.small).toFixed(1) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
