// Front end: how long validation takes on a big recipe, through the CLI and in process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRecipe } from '../dist/recipe/load.js';
import { machine, median, writeSection } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/vidrecipe.js');

/** 1,000 steps of every local kind, each reading earlier outputs: realistic references, fan-in and fan-out. */
export function bigRecipe(n = 1000) {
  const lines = ['version: 1', 'name: big', 'inputs:', '  video: { type: video, default: in.mp4 }', '  mask: { type: video, default: mask.mp4 }', 'steps:'];
  for (let i = 0; i < n; i++) {
    const prev = i === 0 ? '${{ inputs.video }}' : `\${{ steps.s${i - 1}.outputs.video }}`;
    const older = i < 10 ? '${{ inputs.video }}' : `\${{ steps.s${i - 10}.outputs.video }}`;
    switch (i % 5) {
      case 0: lines.push(`  s${i}:`, '    uses: local/trim', '    with:', `      video: "${prev}"`, '      start: 0.5', '      duration: 2'); break;
      case 1: lines.push(`  s${i}:`, '    uses: local/transcode', '    with:', `      video: "${prev}"`, '      width: 320', '      height: 180', '      fit: cover', '      fps: 24'); break;
      case 2: lines.push(`  s${i}:`, '    uses: local/concat', '    with:', `      videos: ["${prev}", "${older}"]`); break;
      case 3: lines.push(`  s${i}:`, '    uses: local/mask', '    with:', '      mask: ${{ inputs.mask }}', '      to: quadmask', '      dilate: 4'); break;
      default: lines.push(`  s${i}:`, '    uses: local/compare', `    needs: [s${i - 1}]`, '    with:', `      videos: ["${prev.replace(`s${i - 1}`, `s${i - 2}`)}", "${older}"]`, '      labels: [a, b]');
    }
  }
  lines.push('outputs:', `  video: \${{ steps.s${n - 1}.outputs.video }}`);
  return `${lines.join('\n')}\n`;
}

function time(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return ms;
}

export function run() {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-bench-'));
  try {
    const big = join(dir, 'big.yaml');
    const text = bigRecipe(1000);
    writeFileSync(big, text);

    // In-process: parse + validate + references + cycles, after one warm-up run.
    loadRecipe(big);
    const inProcess = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const { recipe, diagnostics } = loadRecipe(big);
      inProcess.push(performance.now() - t0);
      if (!recipe || diagnostics.length) throw new Error(`big recipe invalid: ${JSON.stringify(diagnostics[0])}`);
    }
    const bigCli = [];
    for (let i = 0; i < 5; i++) bigCli.push(time([BIN, 'validate', big]));

    // Start-up against a bare Node start is measured by bench/startup.js.
    const bigMs = median(bigCli);
    const row = (name, value, target, ok) => `| ${name} | ${value} | ${target} | ${ok === undefined ? '' : ok ? 'met' : '**missed**'} |`;
    const body = `## Front end: validate

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| measure | result | target | |
| --- | --- | --- | --- |
${row('validate a generated 1,000-step recipe (CLI, wall time incl. start-up)', `${bigMs.toFixed(0)} ms`, '< 1 s', bigMs < 1000)}
${row('the same, in process (load + validate + references + cycles)', `${median(inProcess).toFixed(0)} ms`, '—')}

The 1,000-step recipe (${(text.length / 1024).toFixed(0)} KiB) mixes all six local models, each step reading the previous
one and one ten steps back, so every reference, type check and the cycle search are exercised. Medians of 5 (CLI)
and 7 (in process, after a warm-up); the start-up ratios are in "Start-up" below.`;
    writeSection('frontend', body);
    return { bigMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
