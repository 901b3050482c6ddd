import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitFor } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

const RECIPE = (seconds: number) => `version: 1
name: cutter
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  cut:
    uses: local/trim
    with: { video: "\${{ inputs.video }}", duration: ${seconds} }
outputs:
  video: \${{ steps.cut.outputs.video }}
`;

let dir: string;
const ids: string[] = [];

interface Listed {
  run_id: string;
  recipe: string;
  status: string;
  cost_usd?: number;
  duration_ms?: number;
  report: string;
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-runs-');
  await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  writeFileSync(join(dir, 'ok.yaml'), RECIPE(0.5));
  // a trim past the clip's end fails the step
  writeFileSync(join(dir, 'bad.yaml'), RECIPE(0.5).replace('duration: 0.5', 'start: 5, duration: 0.5'));
  for (const [file, code] of [['ok.yaml', 0], ['bad.yaml', 1]] as const) {
    const result = runCli(['run', file, '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(code);
    ids.push((JSON.parse(result.stdout) as { run_id: string }).run_id);
  }
}, 120_000);

afterAll(() => removeDir(dir));

describe('vidrecipe runs', () => {
  it('lists past runs newest first with recipe, status, cost and time; --format json for tools', () => {
    const text = runCli(['runs'], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN +RECIPE +STATUS +COST +TIME +STARTED$/);
    expect(lines[1]).toMatch(new RegExp(`^${ids[1]} +bad\\.yaml +failed +\\$0\\.00 +\\d`));
    expect(lines[2]).toMatch(new RegExp(`^${ids[0]} +ok\\.yaml +succeeded +\\$0\\.00 +\\d`));
    const json = JSON.parse(runCli(['runs', '--format', 'json'], { cwd: dir }).stdout) as Listed[];
    expect(json.map((r) => [r.run_id, r.recipe, r.status])).toEqual([
      [ids[1], 'bad.yaml', 'failed'],
      [ids[0], 'ok.yaml', 'succeeded'],
    ]);
    expect(json[1]!.report).toBe(join('.vidrecipe', 'runs', ids[0]!));
    expect(json[1]!.duration_ms).toBeGreaterThan(0);
  });

  it('says a run that died before its report is incomplete', () => {
    const id = '20200101-000000-000-abcd';
    mkdirSync(join(dir, '.vidrecipe', 'runs', id));
    // a process id no system hands out: the run's process is gone
    writeFileSync(join(dir, '.vidrecipe', 'runs', id, 'journal.jsonl'), `${JSON.stringify({ t: '2020-01-01T00:00:00.000Z', event: 'run-start', run: id, recipe: 'old.yaml', steps: ['a'], pid: 2 ** 22 + 7 })}\n`);
    const json = JSON.parse(runCli(['runs', '--format', 'json'], { cwd: dir }).stdout) as Listed[];
    expect(json.at(-1)).toMatchObject({ run_id: id, recipe: 'old.yaml', status: 'incomplete' });
    const show = runCli(['runs', 'show', id], { cwd: dir });
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(/run 20200101-000000-000-abcd has no report: it stopped before writing one \(its process died\); its journal is \.vidrecipe\/runs\/.*journal\.jsonl/);
  });

  it('runs show prints the report.md of a run by id, unique prefix, or last', () => {
    const md = readFileSync(join(dir, '.vidrecipe', 'runs', ids[0]!, 'report.md'), 'utf8');
    expect(runCli(['runs', 'show', ids[0]!], { cwd: dir }).stdout).toBe(md);
    expect(runCli(['runs', 'show', ids[0]!.slice(0, -2)], { cwd: dir }).stdout).toBe(md);
    const last = runCli(['runs', 'show', 'last'], { cwd: dir });
    expect(last.stdout).toMatch(/^## vidrecipe run: cutter ❌ failed/);
    // --state-dir after the subcommand is the state dir it reads, not the default one.
    const elsewhere = runCli(['runs', 'show', 'last', '--state-dir', 'no-such-state'], { cwd: dir });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/there are no runs in this state dir yet/);
    const unknown = runCli(['runs', 'show', 'nope'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^vidrecipe: runs show nope: no run "nope"; the newest are \d{8}-.* \(see vidrecipe runs\), or say "last"\n$/);
  });

  it('runs show --open opens report.html with $BROWSER and prints its path', async () => {
    const opener = join(dir, 'opener.sh');
    writeFileSync(opener, `#!/bin/sh\nprintf '%s' "$1" > "${join(dir, 'opened.txt')}"\n`);
    chmodSync(opener, 0o755);
    const result = runCli(['runs', 'show', 'last', '--open'], { cwd: dir, env: { BROWSER: opener } });
    expect(result.code, result.stderr).toBe(0);
    const html = join('.vidrecipe', 'runs', ids[1]!, 'report.html');
    expect(result.stdout).toBe(`opened: ${html}\n`);
    const opened = await waitFor(() => {
      try {
        return readFileSync(join(dir, 'opened.txt'), 'utf8') || undefined;
      } catch {
        return undefined;
      }
    }, 20_000, 'the opener');
    expect(opened).toBe(join(dir, html));
  });

  it('runs show --open without an opener still prints the path, and says how to fix it', () => {
    const result = runCli(['runs', 'show', 'last', '--open'], { cwd: dir, env: { BROWSER: join(dir, 'no-such-browser') } });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`open this in a browser: ${join('.vidrecipe', 'runs', ids[1]!, 'report.html')}\n`);
    expect(result.stderr).toMatch(/could not open it \(.*no-such-browser was not found\); set BROWSER/);
  });
});
