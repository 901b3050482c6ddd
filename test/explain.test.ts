import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/engine/hash.js';
import { LOCAL_VERSIONS } from '../src/providers/local/versions.js';
import { runCli } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

interface Explain {
  cached: boolean;
  cached_from?: string;
  since_run?: string;
  reasons: ({ kind: string } & Record<string, unknown>)[];
  text: string;
}

const recipe = (start: number | string, extra = '') => `version: 1
name: explained
inputs:
  a: { type: video, default: a.mp4 }
  b: { type: video, default: b.mp4 }
  start: { type: number, default: 0.5 }
steps:
  cut:
    uses: local/trim
    with: { video: "\${{ inputs.a }}", start: ${start}, duration: 1 }
  fit:
    uses: local/transcode
    with: { video: "\${{ steps.cut.outputs.video }}", width: 64, height: 48, fps: 10 }${extra}
  joined:
    uses: local/concat
    with: { videos: ["\${{ steps.fit.outputs.video }}", "\${{ inputs.b }}"] }
outputs:
  video: \${{ steps.joined.outputs.video }}
`;

let dir: string;

function plan(state: string, args: string[] = []): Record<string, Explain> {
  const result = runCli(['plan', 'recipe.yaml', '--explain', '--format', 'json', '--state-dir', state, ...args], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  const steps = (JSON.parse(result.stdout) as { steps: { id: string; explain: Explain }[] }).steps;
  return Object.fromEntries(steps.map((s) => [s.id, s.explain]));
}

function run(state: string, args: string[] = []): { run_id: string; stderr: string } {
  const result = runCli(['run', 'recipe.yaml', '--json', '--state-dir', state, ...args], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return { ...(JSON.parse(result.stdout) as { run_id: string }), stderr: result.stderr };
}

const records = (state: string) =>
  readdirSync(join(dir, state, 'cache', 'steps')).map((f) => JSON.parse(readFileSync(join(dir, state, 'cache', 'steps', f), 'utf8')) as { key: string; step: string; run: string; keyed: Record<string, unknown> & { params: Record<string, unknown> } });
const sha256 = (file: string) => createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');

let firstRun: string;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-explain-');
  await makeClip(join(dir, 'a.mp4'), { duration: 2 });
  await makeClip(join(dir, 'b.mp4'), { source: 'color', color: 'blue' });
  copyFileSync(join(dir, 'b.mp4'), join(dir, 'b.orig.mp4'));
  writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5));
  firstRun = run('state').run_id;
}, 60_000);

afterAll(() => removeDir(dir));

describe('plan --explain', () => {
  it('says a step never ran when the state dir has no result of it', () => {
    const explained = plan('fresh-state');
    for (const id of ['cut', 'fit', 'joined']) expect(explained[id]!.reasons).toEqual([{ kind: 'never-run' }]);
    const text = runCli(['plan', 'recipe.yaml', '--explain', '--state-dir', 'fresh-state'], { cwd: dir });
    expect(text.stdout).toMatch(/Why steps run \(--explain\):\n {2}cut +runs because it has never finished in this state dir\n/);
  });

  it('keeps in each cache record what went into its key, and says cached steps are cached', () => {
    const cut = records('state').find((r) => r.step === 'cut' && r.run === firstRun)!;
    expect(cut.keyed).toMatchObject({ model: 'local/trim', backend: 'local', implementation: LOCAL_VERSIONS['local/trim'], specVersion: 1 });
    expect(cut.keyed.params).toEqual({ video: `sha256:${sha256('a.mp4')}`, start: 0.5, duration: 1 });
    const explained = plan('state');
    for (const id of ['cut', 'fit', 'joined']) expect(explained[id]).toMatchObject({ cached: true, cached_from: firstRun, reasons: [] });
  });

  it('names the changed parameter, and the upstream step for what reads it', () => {
    writeFileSync(join(dir, 'recipe.yaml'), recipe(0.2));
    try {
      const explained = plan('state');
      expect(explained.cut!.reasons).toEqual([{ kind: 'param-changed', param: 'start', before: 0.5, after: 0.2 }]);
      expect(explained.cut!.text).toBe(`runs because start changed 0.5 → 0.2 (since run ${firstRun})`);
      expect(explained.fit!.reasons).toEqual([{ kind: 'upstream-runs', param: 'video', step: 'cut' }]);
      expect(explained.fit!.text).toBe('runs because its video is the output of step "cut", which runs first');
      expect(explained.joined!.reasons).toEqual([{ kind: 'upstream-runs', param: 'videos[0]', step: 'fit' }]);
      // A value from a recipe input names the input.
      writeFileSync(join(dir, 'recipe.yaml'), recipe('"${{ inputs.start }}"'));
      expect(plan('state', ['--input', 'start=0.75']).cut!.text).toBe(`runs because start changed 0.5 → 0.75 (from input "start") (since run ${firstRun})`);
    } finally {
      writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5));
    }
  });

  it('names the input whose file changed content', async () => {
    const before = sha256('b.mp4');
    await makeClip(join(dir, 'b.mp4'), { source: 'color', color: 'red' });
    try {
      const explained = plan('state');
      expect(explained.cut!.cached).toBe(true);
      expect(explained.joined!.reasons).toEqual([
        { kind: 'input-changed', param: 'videos[1]', before, after: sha256('b.mp4'), origin: { input: 'b', value: 'b.mp4' } },
      ]);
      expect(explained.joined!.text).toContain(`the content of input "b" (b.mp4), its videos[1], changed (sha256 ${before.slice(0, 8)}… → ${sha256('b.mp4').slice(0, 8)}…)`);
    } finally {
      copyFileSync(join(dir, 'b.orig.mp4'), join(dir, 'b.mp4'));
    }
  });

  it('traces an input that changed content to the step that produced it', () => {
    // Another recipe in the same state dir makes cut's 0.2 result (and a fit of another size): cut is
    // then cached for this recipe too, and this recipe's fit reads different bytes than last time.
    writeFileSync(join(dir, 'other.yaml'), recipe(0.2).replace('width: 64', 'width: 32'));
    expect(runCli(['run', 'other.yaml', '--json', '--state-dir', 'state'], { cwd: dir }).code).toBe(0);
    const lastFit = records('state').find((r) => r.step === 'fit' && r.run === firstRun)!;
    writeFileSync(join(dir, 'recipe.yaml'), recipe(0.2));
    try {
      const explained = plan('state');
      expect(explained.cut!.cached).toBe(true);
      expect(explained.fit!.reasons).toEqual([
        { kind: 'input-changed', param: 'video', before: String(lastFit.keyed.params.video).slice(7), after: expect.stringMatching(/^[0-9a-f]{64}$/), origin: { step: 'cut', output: 'video' } },
      ]);
      expect(explained.fit!.text).toMatch(/^runs because its video \(output video of step "cut"\) has different content \(sha256 [0-9a-f]{8}… → [0-9a-f]{8}…\) \(since run /);
    } finally {
      writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5));
    }
  });

  it('says --force, --no-cache and cache: false', () => {
    const forced = plan('state', ['--force', 'fit']);
    expect(forced.cut!.cached).toBe(true);
    expect(forced.fit!.reasons).toEqual([{ kind: 'forced' }]);
    expect(forced.joined!.reasons).toEqual([{ kind: 'upstream-runs', param: 'videos[0]', step: 'fit' }]);
    for (const e of Object.values(plan('state', ['--no-cache']))) expect(e.reasons).toEqual([{ kind: 'no-cache' }]);
    writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5, '\n    cache: false'));
    try {
      expect(plan('state').fit!.text).toBe('runs because the recipe sets cache: false on it');
    } finally {
      writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5));
    }
  });

  it('does not serve a result of another implementation version, and says so', () => {
    // A result left by an older build: the same parameters, keyed under implementation 0.
    cpSync(join(dir, 'state'), join(dir, 'old-state'), { recursive: true });
    const cut = records('old-state').find((r) => r.step === 'cut' && r.run === firstRun)!;
    const oldKey = 'ab'.repeat(32);
    const steps = join(dir, 'old-state', 'cache', 'steps');
    rmSync(join(steps, `${cut.key}.json`));
    writeFileSync(join(steps, `${oldKey}.json`), JSON.stringify({ ...cut, key: oldKey, keyed: { ...cut.keyed, implementation: 0 } }));
    const historyDir = join(dir, 'old-state', 'cache', 'history');
    const historyFile = readdirSync(historyDir).find((f) => (JSON.parse(readFileSync(join(historyDir, f), 'utf8')) as { recipe: string }).recipe.endsWith('/recipe.yaml'));
    const history = JSON.parse(readFileSync(join(historyDir, historyFile!), 'utf8')) as { steps: Record<string, { key: string }> };
    history.steps.cut!.key = oldKey;
    writeFileSync(join(historyDir, historyFile!), JSON.stringify(history));
    // And the record an unversioned build wrote, under the key without `implementation`: not served either.
    const unversioned = createHash('sha256').update(canonicalJson({ ...cut.keyed, implementation: undefined })).digest('hex');
    writeFileSync(join(steps, `${unversioned}.json`), JSON.stringify({ ...cut, key: unversioned, keyed: undefined }));
    const explained = plan('old-state');
    expect(explained.cut!.cached).toBe(false);
    expect(explained.cut!.reasons).toEqual([{ kind: 'implementation-changed', before: 0, after: LOCAL_VERSIONS['local/trim'] }]);
    expect(explained.cut!.text).toContain(`its local implementation changed (version 0 → ${LOCAL_VERSIONS['local/trim']})`);
  });
});

describe('plan --explain when the last result is gone', () => {
  it('says the result was deleted when the key is the same as last time', () => {
    cpSync(join(dir, 'state'), join(dir, 'gone-state'), { recursive: true });
    const cut = records('gone-state').find((r) => r.step === 'cut' && r.run === firstRun)!;
    rmSync(join(dir, 'gone-state', 'cache', 'steps', `${cut.key}.json`));
    const explained = plan('gone-state');
    expect(explained.cut!.reasons).toEqual([{ kind: 'result-gone', run: firstRun }]);
    expect(explained.cut!.text).toBe(`runs because its result from run ${firstRun} is no longer in the cache (deleted or damaged)`);
  });

  it('refuses --force of a step the recipe does not have', () => {
    const result = runCli(['plan', 'recipe.yaml', '--explain', '--force', 'cutt', '--state-dir', 'state'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--force cutt: the recipe has no step "cutt"');
  });
});

describe('plan --explain outside git', () => {
  it('keeps apart two recipes with the same file name in two folders', async () => {
    const other = await makeTmpDir('vidrecipe-explain-other-');
    try {
      for (const file of ['a.mp4', 'b.mp4']) copyFileSync(join(dir, file), join(other, file));
      // Another start, so no step is served from the shared cache and each explanation comes from history.
      writeFileSync(join(other, 'recipe.yaml'), recipe(0.75));
      const result = runCli(['plan', 'recipe.yaml', '--explain', '--format', 'json', '--state-dir', join(dir, 'state')], { cwd: other });
      expect(result.code, result.stderr).toBe(0);
      const steps = (JSON.parse(result.stdout) as { steps: { id: string; explain: Explain }[] }).steps;
      for (const step of steps) expect(step.explain.reasons).toEqual([{ kind: 'never-run' }]);
    } finally {
      await removeDir(other);
    }
  });
});

describe('plan --explain across backends', () => {
  it('says the backend changed when a step last ran offline and would now run at its provider', async () => {
    await makeClip(join(dir, 'wide.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
    writeFileSync(
      join(dir, 'outpaint.yaml'),
      `version: 1
name: outpaint
steps:
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: wide.mp4, prompt: a wider kitchen, left_scale: 1.5, right_scale: 1.5 }
`,
    );
    expect(runCli(['run', 'outpaint.yaml', '--offline', '--json', '--state-dir', 'state'], { cwd: dir }).code).toBe(0);
    const result = runCli(['plan', 'outpaint.yaml', '--explain', '--format', 'json', '--state-dir', 'state'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const [widen] = (JSON.parse(result.stdout) as { steps: { explain: Explain }[] }).steps;
    // The local implementation's version is not compared with a hosted step, which has none.
    expect(widen!.explain.reasons).toEqual([{ kind: 'backend-changed', before: 'local', after: 'dashscope' }]);
    expect(widen!.explain.text).toMatch(/^runs because its backend changed local → dashscope \(since run /);
  });
});

describe('run --explain', () => {
  it('prints why each step runs on stderr before running, and keeps stdout for --json', () => {
    writeFileSync(join(dir, 'recipe.yaml'), recipe(0.25));
    try {
      const result = run('state', ['--explain']);
      expect(result.stderr).toContain('Why steps run (--explain):');
      expect(result.stderr).toMatch(/ {2}cut +runs because start changed 0\.5 → 0\.25 \(since run /);
      expect(result.stderr).toContain('fit     runs because its video is the output of step "cut", which runs first');
      // The run made this the last result: the next plan compares against it.
      expect(plan('state').cut).toMatchObject({ cached: true, cached_from: result.run_id });
    } finally {
      writeFileSync(join(dir, 'recipe.yaml'), recipe(0.5));
    }
  });
});

