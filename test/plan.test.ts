import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const CHAIN = 'recipes/remove-outpaint-extend.yaml';

interface PlanJson {
  recipe: string;
  steps: { id: string; uses: string; backend: string; needs: string[]; cached: boolean; estimated_cost_usd: number; price_basis: string }[];
  order: string[];
  total_estimated_cost_usd: number;
  warnings: string[];
}

function planJson(args: string[], env?: Record<string, string | undefined>): PlanJson {
  const result = runCli(['plan', ...args, '--format', 'json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

function tempRecipe(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-plan-'));
  const file = join(dir, 'recipe.yaml');
  writeFileSync(file, text);
  return file;
}

describe('vidrecipe plan', () => {
  it('orders the chain, picks each provider and prices it from the seed tables', () => {
    const plan = planJson([CHAIN]);
    expect(plan.order).toEqual(['remove', 'cut', 'widen', 'extend', 'compare']);
    expect(plan.steps.map((s) => [s.id, s.backend, s.needs, s.cached, s.estimated_cost_usd])).toEqual([
      ['remove', 'wavespeed', [], false, 0.1], // $0.05 + $0.05 for the mask video
      ['cut', 'local', ['remove'], false, 0],
      ['widen', 'dashscope', ['cut'], false, 0.5], // $0.10/s × 5 s
      ['extend', 'dashscope', ['widen'], false, 0.5],
      ['compare', 'local', ['extend'], false, 0],
    ]);
    expect(plan.total_estimated_cost_usd).toBe(1.1);
    expect(plan.steps[0]!.price_basis).toContain('mask video');
  });

  it('reports missing API keys as warnings naming the variable, and never prints a key', () => {
    const without = planJson([CHAIN]);
    expect(without.warnings.join('\n')).toMatch(/WAVESPEED_API_KEY is not set/);
    expect(without.warnings.join('\n')).toMatch(/DASHSCOPE_API_KEY is not set; steps "widen", "extend"/);
    const secret = 'sk-test-0123456789abcdef';
    const withKeys = runCli(['plan', CHAIN, '--format', 'markdown'], { env: { WAVESPEED_API_KEY: secret, DASHSCOPE_API_KEY: secret } });
    expect(withKeys.code).toBe(0);
    expect(withKeys.stderr).toBe('');
    expect(withKeys.stdout + withKeys.stderr).not.toContain(secret);
  });

  it('runs independent steps in file order at the same level and respects needs', () => {
    const file = tempRecipe(`version: 1
steps:
  b: { uses: local/trim, with: { video: in.mp4, duration: 1 } }
  a: { uses: local/trim, with: { video: in.mp4, duration: 2 } }
  join: { uses: local/concat, with: { videos: ["\${{ steps.a.outputs.video }}", "\${{ steps.b.outputs.video }}"] } }
  after: { uses: local/trim, needs: join, with: { video: in.mp4, last: 1 } }
`);
    const plan = planJson([file]);
    expect(plan.order).toEqual(['b', 'a', 'join', 'after']);
    expect(plan.steps.find((s) => s.id === 'join')!.needs).toEqual(['b', 'a']);
    expect(plan.steps.find((s) => s.id === 'after')!.needs).toEqual(['join']);
  });

  it('--offline moves remote steps with a local implementation to local, at no cost', () => {
    const plan = planJson([CHAIN, '--offline']);
    expect(plan.steps.map((s) => s.backend)).toEqual(['local', 'local', 'local', 'local', 'local']);
    expect(plan.total_estimated_cost_usd).toBe(0);
    expect(plan.warnings).toEqual([]);
  });

  it('--offline refuses, with exit 2, naming every step that has no local implementation', () => {
    const file = tempRecipe(`version: 1
steps:
  edit:
    uses: alibaba/wan2.1-vace-plus/video_edit
    with: { video_url: a.mp4, mask_image_url: m.png, prompt: a lion }
  repaint:
    uses: alibaba/wan2.1-vace-plus/video_repainting
    with: { video_url: "\${{ steps.edit.outputs.video }}", prompt: steampunk, control_condition: depth }
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: "\${{ steps.repaint.outputs.video }}", prompt: wide, left_scale: 1.2 }
  byprompt:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: a.mp4, prompt: empty room, mask_prompt: the dog }
`);
    const result = runCli(['plan', file, '--offline']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/recipe\.yaml:4:11: error: step "edit" uses alibaba\/wan2\.1-vace-plus\/video_edit, which has no local implementation.*\[offline\]/);
    expect(lines[1]).toMatch(/recipe\.yaml:7:11: error: step "repaint" .*\[offline\]/);
    expect(lines[2]).toMatch(/recipe\.yaml:14:5: error: step "byprompt" cannot run locally: the local removal needs a mask_video.*\[offline\]/);
  });

  it('--input overrides a default, typed by the declaration', () => {
    const ok = planJson(['recipes/vace-outpaint.yaml', '--input', 'width=1.25']);
    expect(ok.total_estimated_cost_usd).toBe(0.5);
    const bad = runCli(['plan', 'recipes/vace-outpaint.yaml', '--input', 'width=2.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('recipes/vace-outpaint.yaml:14:19: error: ${{ inputs.width }} = 2.5 does not fit left_scale: must be ≤ 2 [input-value]');
    const notNumber = runCli(['plan', 'recipes/vace-outpaint.yaml', '--input', 'width=wide']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('--input width=wide: "width" is a number; "wide" is not one');
    const unknown = runCli(['plan', 'recipes/vace-outpaint.yaml', '--input', 'widht=1.2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "width"?');
  });

  it('an input without a default must be given', () => {
    const file = tempRecipe(`version: 1
inputs:
  clip: { type: video }
steps:
  cut: { uses: local/trim, with: { video: "\${{ inputs.clip }}", last: 1 } }
`);
    const missing = runCli(['plan', file]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/recipe\.yaml:3:3: error: input "clip" has no default and no value; pass --input clip=VALUE.*\[missing-input\]/);
    expect(runCli(['plan', file, '--input', 'clip=some.mp4']).code).toBe(0);
  });

  it('prices VOID from its options: Pass 2 doubles the base, a mask video adds $0.05', () => {
    const file = tempRecipe(`version: 1
steps:
  a: { uses: wavespeed-ai/void-video-inpainting/mask, with: { video: v.mp4, prompt: p, mask_prompt: cup } }
  b: { uses: wavespeed-ai/void-video-inpainting/mask, with: { video: v.mp4, prompt: p, mask_prompt: cup, enable_pass2_refinement: true } }
  c: { uses: wavespeed-ai/void-video-inpainting/mask, with: { video: v.mp4, prompt: p, mask_video: m.mp4 } }
  d: { uses: wavespeed-ai/void-video-inpainting/mask, with: { video: v.mp4, prompt: p, mask_video: m.mp4, enable_pass2_refinement: true } }
`);
    const plan = planJson([file]);
    expect(plan.steps.map((s) => s.estimated_cost_usd)).toEqual([0.05, 0.1, 0.1, 0.15]);
    expect(plan.total_estimated_cost_usd).toBe(0.4);
  });

  it('markdown is a PR comment: a table, a mermaid graph and the total', () => {
    const result = runCli(['plan', CHAIN, '--format', 'markdown']);
    expect(result.code).toBe(0);
    const md = result.stdout;
    expect(md).toContain('### vidrecipe plan: `breakfast-cleanup`');
    expect(md).toContain('| # | step | model | backend | needs | cache | est. cost |');
    expect(md).toContain('| 3 | widen | alibaba/wan2.1-vace-plus/video_outpainting | dashscope | cut | not cached | $0.50 |');
    expect(md).toContain('**Estimated total: $1.10**');
    expect(md).toMatch(/```mermaid\nflowchart LR\n[\s\S]*s0 -->\|video\| s1[\s\S]*```/);
    expect(md).toContain('> [!WARNING]');
  });

  it('markdown gives each warning its own GitHub alert', () => {
    // No keys: WAVESPEED_API_KEY and DASHSCOPE_API_KEY are each a warning.
    const result = runCli(['plan', CHAIN, '--format', 'markdown'], { env: { WAVESPEED_API_KEY: undefined, DASHSCOPE_API_KEY: undefined } });
    expect(result.code).toBe(0);
    // GitHub renders consecutive `>` lines as one blockquote (one alert): group them.
    const quotes: string[] = [];
    let previous = '';
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith('>') && previous.startsWith('>')) quotes[quotes.length - 1] += `\n${line}`;
      else if (line.startsWith('>')) quotes.push(line);
      previous = line;
    }
    const alerts = quotes.filter((q) => q.startsWith('> [!WARNING]'));
    expect(alerts).toHaveLength(2);
    expect(quotes).toHaveLength(2);
    expect(alerts[0]).toMatch(/^> \[!WARNING\]\n> WAVESPEED_API_KEY is not set/);
    expect(alerts[1]).toMatch(/^> \[!WARNING\]\n> DASHSCOPE_API_KEY is not set/);
    for (const alert of alerts) expect(alert.match(/\[!WARNING\]/g)).toHaveLength(1);
  });

  it('mermaid prints the graph alone, inputs to steps to outputs', () => {
    const result = runCli(['plan', CHAIN, '--format', 'mermaid']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  in0[/"video"/]');
    expect(lines).toContain('  s0["<b>remove</b><br/>void-video-inpainting/mask<br/>wavespeed · $0.10"]');
    expect(lines).toContain('  in0 --> s0');
    expect(lines).toContain('  s1 -->|video| s2');
    expect(lines).toContain('  s3 --> out0');
  });

  it('text shows the table, the total and the pricing assumptions', () => {
    const result = runCli(['plan', CHAIN], { env: { WAVESPEED_API_KEY: 'k', DASHSCOPE_API_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Plan for recipes\/remove-outpaint-extend\.yaml \(breakfast-cleanup\): 5 steps, estimated \$1\.10$/m);
    expect(result.stdout).toMatch(/^ {2}1 {2}remove {3}wavespeed-ai\/void-video-inpainting\/mask +wavespeed +— +not cached +\$0\.10$/m);
    expect(result.stdout).toContain('Estimated total: $1.10');
    expect(result.stdout).toContain('widen: $0.10 per output second × 5 s');
  });

  it('an invalid recipe is not planned: exit 2 with the validation errors', () => {
    const file = tempRecipe('version: 1\nsteps:\n  a: { uses: local/trim, with: { video: v.mp4, lst: 1 } }\n');
    const result = runCli(['plan', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/recipe\.yaml:3:48: error: unknown parameter "lst" for local\/trim; did you mean "last"\? \[unknown-parameter\]/);
  });
});

describe('vidrecipe plan, edge cases', () => {
  it('keeps steps whose ids differ only in - and _ apart in the graph', () => {
    const file = tempRecipe(`version: 1
steps:
  cut-a: { uses: local/trim, with: { video: in.mp4, last: 1 } }
  cut_a: { uses: local/trim, with: { video: "\${{ steps.cut-a.outputs.video }}", last: 1 } }
`);
    const lines = runCli(['plan', file, '--format', 'mermaid']).stdout.split('\n');
    expect(lines).toContain('  s0 -->|video| s1');
    expect(lines.filter((l) => l.startsWith('  s0[') || l.startsWith('  s1['))).toHaveLength(2);
  });

  it('turns a number input into text where text is wanted, and re-checks rules with input values', () => {
    const file = tempRecipe(`version: 1
inputs:
  n: { type: number, default: 3 }
  e: { type: number, default: 1 }
steps:
  cut: { uses: local/trim, with: { video: in.mp4, start: 2, end: "\${{ inputs.e }}" } }
  cmp: { uses: local/compare, with: { videos: [a.mp4, b.mp4], labels: ["\${{ inputs.n }}", b] } }
`);
    expect(runCli(['validate', file]).code).toBe(0);
    const result = runCli(['plan', file]);
    expect(result.code).toBe(2);
    const errors = result.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/recipe\.yaml:6:66: error: with the given inputs, end \(1 s\) must be after start \(2 s\).*\[end-after-start\]/);
    expect(runCli(['plan', file, '--input', 'e=3']).code).toBe(0);
  });

  it('refuses empty and non-decimal values on the command line', () => {
    expect(runCli(['plan', 'recipes/vace-outpaint.yaml', '--input', 'video=']).stderr).toContain('--input video=: "video" is a video; "" is not one');
    expect(runCli(['plan', 'recipes/vace-outpaint.yaml', '--input', 'width=0x10']).code).toBe(2);
  });

  it('explains a step pinned to its provider under --offline', () => {
    const file = tempRecipe(`version: 1
steps:
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    backend: dashscope
    with: { video_url: a.mp4, prompt: wide }
`);
    const result = runCli(['plan', file, '--offline']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/recipe\.yaml:5:14: error: step "widen" pins backend: dashscope; remove that line to run it offline \[offline\]/);
  });

  it('carries validation warnings into the json plan', () => {
    const file = tempRecipe(`version: 1
steps:
  a: { uses: local/trim, with: { video: in.mp4, last: 1 } }
  b: { uses: local/trim, with: { video: in.mp4, last: 2 } }
outputs:
  video: \${{ steps.a.outputs.video }}
`);
    const plan = planJson([file]);
    expect(plan.warnings).toContain('the output of step "b" is not used by any step or recipe output');
    // plan often runs where the media are not (a PR's CI): a missing file is a warning there, an error for run
    expect(plan.warnings.filter((w) => /^step "[ab]": video: media file not found: .*in\.mp4$/.test(w))).toHaveLength(2);
  });
});
