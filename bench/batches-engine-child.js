// Engine overhead per leg of a batch, in a fresh process so its peak memory is its own: one matrix step of
// N legs that do no work, and one step that reads all their outputs (fan-in).
// Usage: node bench/batches-engine-child.js <legs> <folder for the state dir>
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultConfig } from '../dist/engine/config.js';
import { runPlan } from '../dist/engine/run.js';
import { planRecipe } from '../dist/graph/plan.js';
import { loadRecipe } from '../dist/recipe/load.js';
import { noopBatchRecipe } from './batches-recipes.js';
import { peakKb } from './peak-memory.js';

const [count, WORK] = [Number(process.argv[2]), process.argv[3]];
const baselineRssKb = peakKb();

// Does no work: one tiny output file, different per leg, as the engine must store something.
const noop = {
  kind: 'local',
  async run(ctx) {
    const file = join(ctx.workDir, 'video.mp4');
    await writeFile(file, `${ctx.stepId}:${ctx.params.duration ?? ctx.params.videos.length}`);
    return { outputs: { video: file } };
  },
};

mkdirSync(WORK, { recursive: true });
const dir = mkdtempSync(join(WORK, 'batch-'));
try {
  writeFileSync(join(dir, 'in.mp4'), 'not really a video');
  writeFileSync(join(dir, 'r.yaml'), noopBatchRecipe(count));
  const { recipe: parsed, source, diagnostics } = loadRecipe(join(dir, 'r.yaml'));
  if (!parsed) throw new Error(`batch recipe invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  const run = async () => {
    const plan = planRecipe(parsed, source, {});
    if (plan.steps.length !== count + 1) throw new Error(`expected ${count + 1} legs, planned ${plan.steps.length}`);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const result = await runPlan(plan, { stateDir: join(dir, 'state'), outDir: join(dir, 'out'), config: defaultConfig(), executors: () => noop });
    const cpu = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}: ${result.steps.find((s) => s.error)?.error ?? result.errors.join('; ')}`);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, cached: result.steps.filter((s) => s.status === 'cached').length };
  };
  // The same executor called directly, one leg after another: what the legs cost without the engine.
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i <= count; i++) {
    const workDir = join(dir, 'bare', String(i));
    mkdirSync(workDir, { recursive: true });
    await noop.run({ stepId: `cut[n=${i + 1}]`, params: { duration: i + 1 }, workDir });
  }
  const bareCpu = process.cpuUsage(c0);
  const bareMs = performance.now() - t0;
  const cold = await run();
  const warm = await run();
  if (warm.cached !== count + 1) throw new Error(`second run: ${warm.cached} of ${count + 1} legs cached`);
  process.stdout.write(
    JSON.stringify({ count, bareMs, bareCpuMs: (bareCpu.user + bareCpu.system) / 1000, coldMs: cold.ms, coldCpuMs: cold.cpuMs, warmMs: warm.ms, warmCpuMs: warm.cpuMs, maxRssKb: peakKb(), baselineRssKb }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
