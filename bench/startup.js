// Start-up: what `vidrecipe --help` and a small `validate` cost over a bare Node start, measured side
// by side in one run (interleaved, so load on the machine hits every command alike).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, writeSection } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/vidrecipe.js');
const SMALL = join(ROOT, 'recipes/remove-outpaint-extend.yaml');
const TARGET = 2.5;
const ROUNDS = 21;

/** The same CLI from the unbundled modules (what tsc writes), to show what the bundle buys. */
const UNBUNDLED = `import(${JSON.stringify(join(ROOT, 'dist/cli/main.js'))}).then((m) => m.main([process.execPath, 'vidrecipe', ...process.argv.slice(1)]))`;

const COMMANDS = {
  bare: ['-e', '0'],
  help: [BIN, '--help'],
  validate: [BIN, 'validate', SMALL],
  helpUnbundled: ['--input-type=module', '-e', UNBUNDLED, '--help'],
  validateUnbundled: ['--input-type=module', '-e', UNBUNDLED, 'validate', SMALL],
};

function time(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  return ms;
}

export function run() {
  const times = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
  for (const args of Object.values(COMMANDS)) time(args); // warm the file cache
  for (let i = 0; i < ROUNDS; i++) for (const [name, args] of Object.entries(COMMANDS)) times[name].push(time(args));
  const ms = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const ratio = (name) => ms[name] / ms.bare;
  const cell = (name) => `${ratio(name).toFixed(2)}× (${ms[name].toFixed(0)} ms ÷ ${ms.bare.toFixed(0)} ms)`;
  const row = (what, name, target) => `| ${what} | ${cell(name)} | ${target ? `≤ ${TARGET}×` : '—'} | ${target ? (ratio(name) <= TARGET ? 'met' : '**missed**') : 'for comparison'} |`;
  const body = `## Start-up

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.

| command ÷ bare \`node -e 0\` | result | target | |
| --- | --- | --- | --- |
${row('`vidrecipe --help`', 'help', true)}
${row('`vidrecipe validate` a 5-step recipe (recipes/remove-outpaint-extend.yaml)', 'validate', true)}
${row('`--help` from the unbundled modules', 'helpUnbundled', false)}
${row('`validate` from the unbundled modules', 'validateUnbundled', false)}

Medians of ${ROUNDS} interleaved rounds, each spawning a fresh process. Each command is loaded on use
(\`--help\` loads commander and nothing else), \`validate\` runs validators compiled at build time (no
ajv, no schema compiled at run time), and \`npm run build\` bundles the CLI into a few files because
Node 20 has no compile cache: resolving and reading some 400 small modules cost more than the work. Before
these changes (every command loading Zod, ajv and the catalog, validators compiled at run time) the same
measure gave 3.7–4.6× for \`--help\` and 6.4–6.6× for \`validate\` on this machine.`;
  writeSection('startup', body);
  return { help: ratio('help'), validate: ratio('validate'), helpUnbundled: ratio('helpUnbundled'), validateUnbundled: ratio('validateUnbundled') };
}
