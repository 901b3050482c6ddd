import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

// The GitHub Action's scripts under a simulated runner: the file commands (GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY), RUNNER_TEMP and the INPUT_* variables action.yml passes, phase by phase.

const SCRIPT = join(ROOT, 'action', 'main.mjs');

const RECIPE = (extra = '') => `version: 1
name: clip
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  head:
    uses: local/trim
    with: { video: "\${{ inputs.video }}", duration: 1${extra} }
outputs:
  video: \${{ steps.head.outputs.video }}
`;

const REMOTE = `version: 1
name: remote
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: "\${{ inputs.video }}", prompt: a wide shot, left_scale: 1.5 }
outputs:
  video: \${{ steps.widen.outputs.video }}
`;

interface Runner {
  summary: string;
  outputs: Record<string, string>;
  stdout: string;
  exit: number;
}

let dir: string;

/** Runs the phases in action.yml's order with the inputs given, like the runner would, and reads back its files. */
function action(inputs: Record<string, string>, env: Record<string, string> = {}): Runner {
  const runner = join(dir, `runner-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(runner, 'temp'), { recursive: true });
  const files = { GITHUB_OUTPUT: join(runner, 'output'), GITHUB_STEP_SUMMARY: join(runner, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const base: Record<string, string | undefined> = {
    ...process.env,
    ...files,
    RUNNER_TEMP: join(runner, 'temp'),
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'team/shots',
    GITHUB_RUN_ID: '77',
    NO_COLOR: '1',
    WAVESPEED_API_KEY: undefined,
    DASHSCOPE_API_KEY: undefined,
    ...env,
  };
  for (const [name, value] of Object.entries(inputs)) base[`INPUT_${name.replace(/-/g, '_').toUpperCase()}`] = value;
  let stdout = '';
  const outputs = () => parseOutputs(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  for (const phase of ['start', 'validate', 'plan', 'run']) {
    const result = spawnSync(process.execPath, [SCRIPT, phase], { cwd: dir, env: clean(base), encoding: 'utf8' });
    expect(result.status, `${phase}: ${result.stderr}`).toBe(0);
    stdout += result.stdout;
  }
  const codes = outputs();
  const finish = spawnSync(process.execPath, [SCRIPT, 'finish'], {
    cwd: dir,
    encoding: 'utf8',
    env: clean({ ...base, VIDRECIPE_VALIDATE_EXIT_CODE: codes['validate-exit-code'], VIDRECIPE_PLAN_EXIT_CODE: codes['plan-exit-code'], VIDRECIPE_RUN_EXIT_CODE: codes['run-exit-code'] }),
  });
  return { summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), outputs: codes, stdout, exit: finish.status ?? -1 };
}

function clean(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

/** GITHUB_OUTPUT's format: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i]!.includes('=')) {
      const at = lines[i]!.indexOf('=');
      out[lines[i]!.slice(0, at)] = lines[i]!.slice(at + 1);
    }
  }
  return out;
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-action-');
  await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 24, duration: 2 });
  writeFileSync(join(dir, 'clip.yaml'), RECIPE());
  writeFileSync(join(dir, 'broken.yaml'), RECIPE(', start: 50'));
  writeFileSync(join(dir, 'remote.yaml'), REMOTE);
  writeFileSync(join(dir, 'typo.yaml'), RECIPE().replace('duration: 1', 'duraton: 1'));
}, 60_000);

afterAll(() => removeDir(dir));

describe('the GitHub Action', { timeout: 120_000 }, () => {
  it('action.yml runs every phase the script has, passes only inputs it declares, and outputs what its steps set', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, { value: string }>;
      runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string> }[] };
    };
    expect(action.runs.using).toBe('composite');
    const phases = action.runs.steps.flatMap((s) => /main\.mjs" (\w+)/.exec(s.run ?? '')?.[1] ?? []);
    expect(phases).toEqual(['start', 'validate', 'plan', 'run', 'finish']);
    const declared = new Set(Object.keys(action.inputs).map((n) => `INPUT_${n.replace(/-/g, '_').toUpperCase()}`));
    const passed = action.runs.steps.flatMap((s) => Object.keys(s.env ?? {}).filter((k) => k.startsWith('INPUT_')));
    expect(passed.filter((k) => !declared.has(k))).toEqual([]);
    for (const [name, k] of Object.entries(action.inputs)) expect(passed, name).toContain(`INPUT_${name.replace(/-/g, '_').toUpperCase()}`), expect(k).toBeTruthy();
    const ids = new Set(action.runs.steps.map((s) => s.id).filter(Boolean));
    for (const { value } of Object.values(action.outputs)) for (const [, id] of value.matchAll(/steps\.([\w-]+)\.outputs/g)) expect(ids).toContain(id);
  });

  it('a run that succeeds: plan and report in the summary and the comment, no broken images, outputs set, job green', () => {
    const r = action({ recipes: '*.yaml', recipe: 'clip.yaml', run: 'true', 'state-dir': 'state' });
    // typo.yaml is among *.yaml: its errors are annotations on the diff, and fail the job in the end.
    expect(r.stdout).toMatch(/^::error file=typo\.yaml,line=8,col=43,.*did you mean "duration"/m);
    expect(r.summary).toMatch(/### vidrecipe validate: ❌ 2 errors/);
    expect(r.summary).toMatch(/### vidrecipe plan: `clip`/);
    expect(r.summary).toMatch(/## vidrecipe run: clip ✅ succeeded/);
    expect(r.outputs.status).toBe('succeeded');
    expect(existsSync(join(r.outputs['report-dir']!, 'report.md'))).toBe(true);
    expect(existsSync(join(r.outputs['out-dir']!, 'video.mp4'))).toBe(true);
    const comment = readFileSync(r.outputs['comment-file']!, 'utf8');
    expect(comment).toMatch(/\| `head` \| `local\/trim` \|/);
    expect(comment).not.toMatch(/!\[/);
    expect(comment).toContain('](https://github.example/team/shots/actions/runs/77)');
    expect(r.exit).toBe(2);
    // The same recipes alone: green.
    expect(action({ recipes: 'clip.yaml', recipe: 'clip.yaml', run: 'true', 'state-dir': 'state' }).exit).toBe(0);
  });

  it('a failed step: the report says which, the artifact folder is set, the job fails with 1', () => {
    const r = action({ recipes: 'broken.yaml', recipe: 'broken.yaml', run: 'true', explain: 'true', 'state-dir': 'state' });
    expect(r.outputs.status).toBe('failed');
    // explain: the plan says why the step runs (it never finished in this state dir).
    expect(r.summary).toMatch(/Why steps run<\/summary>\n\n- `head` /);
    expect(r.summary).toMatch(/> step `head` failed:/);
    expect(existsSync(join(r.outputs['report-dir']!, 'report.md'))).toBe(true);
    expect(r.exit).toBe(1);
  });

  it('a run refused by --max-cost: said in the comment with the estimate, nothing run, the job fails with 3', () => {
    const r = action({ recipes: 'remote.yaml', recipe: 'remote.yaml', run: 'true', 'max-cost': '0.01', 'state-dir': 'state' }, { DASHSCOPE_API_KEY: 'sk-test' });
    expect(r.outputs.status).toBe('refused');
    expect(r.outputs['report-dir']).toBe('');
    const comment = readFileSync(r.outputs['comment-file']!, 'utf8');
    expect(comment).toMatch(/## vidrecipe run: `remote\.yaml` ⛔ not run/);
    expect(comment).toMatch(/above --max-cost \$0\.01/);
    expect(r.exit).toBe(3);
  });

  it("docs/ci.md's script posts the report of a run, and says why for a refused run", () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
    const script = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).find((block) => block.startsWith('report='));
    expect(script).toBeDefined();
    const post = (args: string[], env: Record<string, string> = {}) => {
      const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'vidrecipe.js'), 'run', ...args, '--json', '--state-dir', 'state'], { cwd: dir, encoding: 'utf8', env: clean({ ...process.env, DASHSCOPE_API_KEY: undefined, ...env }) });
      writeFileSync(join(dir, 'run.json'), run.stdout);
      const sh = spawnSync('bash', ['-euo', 'pipefail', '-c', script!], { cwd: dir, encoding: 'utf8' });
      expect(sh.status, sh.stderr).toBe(0);
      return readFileSync(join(dir, 'report.md'), 'utf8');
    };
    expect(post(['clip.yaml'])).toMatch(/## vidrecipe run: clip ✅ succeeded/);
    expect(post(['remote.yaml', '--max-cost', '0.01'], { DASHSCOPE_API_KEY: 'sk-test' })).toMatch(/^The recipe was not run: the uncached steps are estimated at .*above --max-cost/);
    expect(post(['clip.yaml', '--force', 'nope'])).toMatch(/^The recipe was not run: --force nope: the recipe has no step "nope"/);
  });

  it('a run refused as invalid (no API key): the diagnostic is in the comment, the job fails with 2', () => {
    const r = action({ recipes: 'remote.yaml', recipe: 'remote.yaml', run: 'true', 'state-dir': 'state' });
    expect(r.outputs.status).toBe('refused');
    const comment = readFileSync(r.outputs['comment-file']!, 'utf8');
    expect(comment).toMatch(/`remote\.yaml:\d+:\d+` error: .*DASHSCOPE_API_KEY/);
    expect(r.exit).toBe(2);
    rmSync(join(dir, 'state'), { recursive: true, force: true });
  });
});
