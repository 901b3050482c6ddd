// One engine-overhead measurement in a fresh process, so its peak memory is its own.
// Usage: node bench/engine-child.js <independent|chain> <steps> <folder for the state dir>
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfig } from '../dist/engine/config.js';
import { runPlan } from '../dist/engine/run.js';
import { planRecipe } from '../dist/graph/plan.js';
import { loadRecipe } from '../dist/recipe/load.js';
import { peakKb } from './peak-memory.js';

const [shape, count, WORK] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const baselineRssKb = peakKb();

function recipe(n) {
  const lines = ['version: 1', `name: ${shape}`, 'inputs:', '  video: { type: video, default: in.mp4 }', 'steps:'];
  for (let i = 0; i < n; i++) {
    const video = shape === 'chain' && i > 0 ? `\${{ steps.s${i - 1}.outputs.video }}` : '${{ inputs.video }}';
    lines.push(`  s${i}:`, '    uses: local/trim', `    with: { video: "${video}", start: ${i % 7}, duration: ${1 + i} }`);
  }
  return `${lines.join('\n')}\n`;
}

// Does no work: one tiny output file, different per step, as the engine must store something.
const noop = {
  kind: 'local',
  async run(ctx) {
    const file = join(ctx.workDir, 'video.mp4');
    await writeFile(file, `${ctx.stepId}:${ctx.params.duration}`);
    return { outputs: { video: file } };
  },
};

mkdirSync(WORK, { recursive: true });
const dir = mkdtempSync(join(WORK, 'engine-'));
try {
  writeFileSync(join(dir, 'in.mp4'), 'not really a video');
  writeFileSync(join(dir, 'r.yaml'), recipe(count));
  const { recipe: parsed, source } = loadRecipe(join(dir, 'r.yaml'));
  const run = async () => {
    const plan = planRecipe(parsed, source, {});
    const t0 = performance.now();
    const result = await runPlan(plan, { stateDir: join(dir, 'state'), outDir: join(dir, 'out'), config: defaultConfig(), executors: () => noop });
    const ms = performance.now() - t0;
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.steps.find((s) => s.error)?.error}`);
    return { ms, cached: result.steps.filter((s) => s.status === 'cached').length };
  };
  // The same executor called directly, one step after another: what the steps cost without the engine.
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const workDir = join(dir, 'bare', String(i));
    mkdirSync(workDir, { recursive: true });
    await noop.run({ stepId: `s${i}`, params: { duration: i }, workDir });
  }
  const bareMs = performance.now() - t0;
  const cold = await run();
  const warm = await run();
  process.stdout.write(JSON.stringify({ shape, count, bareMs, coldMs: cold.ms, warmMs: warm.ms, warmCached: warm.cached, maxRssKb: peakKb(), baselineRssKb }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
