// Engine overhead: 1,000 steps that do no work, through a test executor, in fresh processes.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine, median, writeSection } from './report.js';

const CHILD = fileURLToPath(new URL('engine-child.js', import.meta.url));
const STEPS = 1000;
const REPEATS = 3;
// The engine's own cost is measured with the state dir in memory (tmpfs): on the VMs here the disk's
// latency for creating files swings tenfold from minute to minute, which would drown what is measured.
// The same run on the project's disk is reported beside it, as what a user's disk adds.
const MEMORY = existsSync('/dev/shm') ? '/dev/shm' : undefined;
const DISK = fileURLToPath(new URL('.work/', import.meta.url));

function measure(shape, where) {
  const runs = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = spawnSync(process.execPath, [CHILD, shape, String(STEPS), where], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`engine bench (${shape}) failed: ${r.stderr}`);
    runs.push(JSON.parse(r.stdout));
  }
  const pick = (key) => median(runs.map((r) => r[key]));
  return { bare: pick('bareMs'), cold: pick('coldMs'), warm: pick('warmMs'), rss: pick('maxRssKb'), base: pick('baselineRssKb') };
}

export function run() {
  const base = MEMORY ?? DISK;
  const independent = measure('independent', base);
  const chain = measure('chain', base);
  const diskChain = MEMORY ? measure('chain', DISK) : undefined;
  const perStep = (m) => (m.cold - m.bare) / STEPS;
  const met = (ms) => (ms < 1 ? 'met' : 'not met');
  const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
  const row = (label, m, target = true) =>
    `| ${label} | ${perStep(m).toFixed(2)} ms | ${(m.warm / STEPS).toFixed(2)} ms | ${mb(m.rss)} (${(m.rss / m.base).toFixed(2)}× an idle process, ${mb(m.base)}) | ${target ? met(perStep(m)) : 'for comparison'} |`;
  writeSection(
    'engine',
    `## Engine: overhead per step

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| ${STEPS.toLocaleString('en')} steps that do no work | overhead per step (target < 1 ms) | per cached step | peak memory | |
| --- | --- | --- | --- | --- |
${row('independent (all ready at once)', independent)}
${row('one chain (each reads the previous output)', chain)}
${diskChain ? row('one chain, state dir on the local disk (adds the disk latency of creating files)', diskChain, false) : ''}

Overhead = (run time − the same executor called ${STEPS.toLocaleString('en')} times directly) ÷ ${STEPS}, so what the
test executor itself costs (a folder and a small file per step) is measured side by side and taken out.
Per step the engine resolves and hashes parameters, looks the key up in the cache, runs the attempt in
its own work folder, moves the output into the content store (hashing it), writes the cache record
atomically and journals start and end. "Per cached step" is the second run of the same recipe, which
finds every step in the cache and re-hashes its blob. Peak memory is the process's maximum resident set
after both runs (the idle process has loaded the same modules). State dir ${MEMORY ? 'in memory (tmpfs) for the first two rows' : 'on the local disk'}; medians of ${REPEATS} fresh processes.`,
  );
  return { independent, chain, diskChain, perStepMs: { independent: perStep(independent), chain: perStep(chain), diskChain: diskChain && perStep(diskChain) } };
}
