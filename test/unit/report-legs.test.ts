import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StepView } from '../../src/engine/events.js';
import { reportOf, type RunReport } from '../../src/engine/report.js';
import { reportHtml } from '../../src/engine/report-html.js';
import { reportMarkdown } from '../../src/engine/report-markdown.js';
import type { MediaWants, ReportMedia } from '../../src/engine/report-media.js';
import { attachMedia, FULL_VIEWS_PER_STEP } from '../../src/engine/report-views.js';
import type { RunResult } from '../../src/engine/run.js';
import type { Plan } from '../../src/graph/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-report-legs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const view = (id: string, change: Partial<StepView> = {}): StepView => ({
  id,
  step: id,
  uses: 'wavespeed-ai/void-video-inpainting/mask',
  backend: 'wavespeed',
  status: 'succeeded',
  attempts: 1,
  estimatedCostUsd: 0.1,
  costUsd: 0.1,
  startedAt: 1000,
  endedAt: 5000,
  phases: [
    { status: 'queued', at: 1000 },
    { status: 'running', at: 2000 },
  ],
  outputs: { video: { kind: 'video', digest: `d-${id}`, path: join(dir, `blob-${id}`), ext: '.mp4' } },
  warnings: [],
  facts: { params: { video: 'clip.mp4', prompt: 'an empty table' }, inputs: { video: { kind: 'video', digest: `in-${id}`, file: join(dir, `in-${id}`) } } } as unknown as StepView['facts'],
  ...change,
});

/** `remove` over 300 shots (40 cached, legs 45, 65, … failed), then `reel` (one leg). */
function batch(): RunResult {
  const legs = Array.from({ length: 300 }, (_, i) => {
    const shot = `s${String(i).padStart(3, '0')}`;
    const id = `remove[shot=${shot}]`;
    const base = { step: 'remove', matrix: { shot } };
    if (i < 40) return view(id, { ...base, status: 'cached', costUsd: 0, attempts: 0, cachedFrom: 'r0' });
    if (i % 20 === 5) return view(id, { ...base, status: 'failed', outputs: {}, error: `HTTP 400: bad mask ${shot} <b>`, costUsd: 0, warnings: ['mask is blank'] });
    return view(id, base);
  });
  const reel = view('reel', { uses: 'local/concat', backend: 'local', costUsd: 0 });
  return { runId: 'r1', status: 'failed', costUsd: 24.6, startedAt: 0, endedAt: 65_000, steps: [...legs, reel], outputs: {}, runDir: join(dir, 'run'), firstFailure: 'remove[shot=s105]', errors: [] };
}

const plan = { recipe: { file: 'batch.yaml', name: 'batch' } } as unknown as Plan;

/** A report with posters attached as attachMedia would: media/<digest>.poster.png. */
function batchReport(): RunReport {
  const report = reportOf(plan, batch(), dir);
  for (const step of report.steps) for (const output of Object.values(step.outputs)) Object.assign(output, { poster: `media/${output.digest}.poster.png`, file: `media/${output.digest}.source.mp4` });
  return report;
}

describe('report.json of a run with matrix legs', () => {
  it('carries each leg\'s step and matrix values, and counts each matrix step\'s legs', () => {
    const report = reportOf(plan, batch(), dir);
    expect(report.steps).toHaveLength(301);
    expect(report.steps[7]).toMatchObject({ id: 'remove[shot=s007]', step: 'remove', matrix: { shot: 's007' }, status: 'cached' });
    expect(report.steps.at(-1)).not.toHaveProperty('step');
    expect(report.groups!.remove).toMatchObject({ legs: 300, succeeded: 247, cached: 40, failed: 13, skipped: 0, cost_usd: 24.7, duration_ms: 4000 });
    expect(report.groups!.remove!.failed_legs[0]).toBe('remove[shot=s045]');
    expect(Object.keys(report.groups!)).toEqual(['remove']);
  });
});

describe('the media of a matrix step\'s legs', () => {
  it('players, strips and before/after for the first legs; a poster and a link to the file for the others', async () => {
    const result = batch();
    for (const s of result.steps) for (const o of Object.values(s.outputs)) writeFileSync(o.path, 'x');
    for (const s of result.steps) writeFileSync(join(dir, `in-${s.id}`), 'x');
    const asked = new Map<string, MediaWants>();
    const media = {
      view: async (digest: string, _file: string, wants: MediaWants) => {
        asked.set(digest, wants);
        return { poster: `media/${digest}.poster.png` };
      },
      alias: () => undefined,
    } as unknown as ReportMedia;
    const report = reportOf(plan, result, dir);
    await attachMedia(report, result, media, (digest) => join(dir, `blob-${digest.slice(2)}`));
    const legs = result.steps.filter((s) => s.step === 'remove' && s.status !== 'failed');
    for (const leg of legs.slice(0, FULL_VIEWS_PER_STEP)) expect(asked.get(`d-${leg.id}`), leg.id).toMatchObject({ video: true, strip: true });
    for (const leg of legs.slice(FULL_VIEWS_PER_STEP)) expect(asked.get(`d-${leg.id}`), leg.id).toEqual({ file: { ext: '.mp4' } });
    // the edited input of a leg is viewed for the first legs only
    expect([...asked.keys()].filter((d) => d.startsWith('in-remove'))).toHaveLength(FULL_VIEWS_PER_STEP);
    // a step of one leg keeps every view
    expect(asked.get('d-reel')).toMatchObject({ video: true });
    expect(report.steps[100]!.outputs.video!.poster).toBe('media/d-remove[shot=s100].poster.png');
  });
});

describe('report.md of a run with matrix legs', () => {
  const md = reportMarkdown(batchReport());

  it('one row per recipe step, the matrix step counting its legs by status', () => {
    expect(md).toContain('`batch.yaml` · run `r1` · 2 steps (301 legs): 248 ran, 40 cached, 13 failed');
    const rows = md.split('\n').filter((l) => /^\| `/.test(l) && l.includes('`wavespeed') || l.startsWith('| `reel`'));
    expect(rows[0]).toBe('| `remove` ×300 | `wavespeed-ai/void-video-inpainting/mask` | wavespeed | ✅ 247 · ♻️ 40 · ❌ 13 | 260 | 4.0 s | $24.70 |');
    expect(md).toMatch(/> step `remove\[shot=s105\]` failed: HTTP 400: bad mask s105 &lt;b\\> \(and 12 more legs of `remove`: see below\)/);
  });

  it('a section per matrix step: failed legs first (ten, then a count), a contact sheet, every leg folded', () => {
    const section = md.slice(md.indexOf('### `remove` ×300'), md.indexOf('### Steps'));
    expect(section).toContain('**13 failed** (a re-run redoes only these; the others come from the cache):');
    expect(section.match(/^- `remove\[shot=s\d+\]`: HTTP 400/gm)).toHaveLength(10);
    expect(section).toContain('- … and 3 more (report.json lists them all)');
    expect(section.match(/!\[shot=s\d+\]\(media\/d-remove\[shot=s\d+\]\.poster\.png\)/g)).toHaveLength(12);
    expect(section).toContain("275 more posters in report.html's contact sheet.");
    expect(section.match(/^\| `remove\[shot=s\d+\]` \|/gm)).toHaveLength(300);
    // one example of the parameters, not 300
    expect(md.match(/<summary>parameters<\/summary>/g)).toHaveLength(2);
    // errors and warnings: ten of the step's, then a count
    expect(md.match(/^- `remove\[shot=s\d+\]`( \(warning\))?: /gm)!.length).toBe(20);
    expect(md).toContain('- … and 16 more of `remove` (report.json has them all)');
  });

  it('a leg id that holds a backtick or a pipe cannot break out of its code span or table cell', () => {
    const report = batchReport();
    report.steps[0]!.id = 'remove[shot=a`b|c]';
    report.steps[0]!.matrix = { shot: 'a`b|c' };
    const text = reportMarkdown(report);
    expect(text).toContain('| remove\\[shot=a\\`b\\|c\\] |');
  });
});

describe('report.html of a run with matrix legs', () => {
  const html = reportHtml(batchReport());

  it('a contact sheet of every leg\'s poster, lazily loaded, each linking to its file and its card', () => {
    const sheet = html.slice(html.indexOf('<div class="sheet">'), html.indexOf('<details><summary>every leg'));
    expect(sheet.match(/<img src="media\/d-remove%5Bshot%3Ds\d+%5D\.poster\.png" alt="remove\[shot=s\d+\]" loading="lazy">/g)).toHaveLength(287);
    expect(sheet.match(/<div class="none s-failed">/g)).toHaveLength(13);
    expect(sheet).toContain('<a href="media/d-remove%5Bshot%3Ds100%5D.source.mp4">');
  });

  it('one timeline row and one table row per recipe step; failed legs\' cards open, the others folded', () => {
    expect(html.match(/<div class="tl-row"/g)).toHaveLength(2);
    expect(html).toContain('<code>remove ×300</code>');
    expect(html).toMatch(/<td><a href="#group-0"><code>remove<\/code> ×300<\/a><\/td>/);
    const section = html.slice(html.indexOf('<section class="card" id="group-0">'));
    const folded = section.indexOf("<details><summary>each leg's request and outputs (287)</summary>");
    expect(folded).toBeGreaterThan(0);
    expect(section.slice(0, folded).match(/<section class="card" id="group-0-leg-\d+">/g)).toHaveLength(13);
    expect(html).toContain('(and 12 more legs of <a href="#group-0"><code>remove</code></a>)');
  });

  it('every in-page link has its target', () => {
    const ids = new Set([...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    for (const [, target] of html.matchAll(/href="#([^"]+)"/g)) expect(ids.has(target), target).toBe(true);
  });
});

describe('a matrix output in the report', () => {
  it('is its folder and its count of files, pointing at the step\'s contact sheet', () => {
    const report = batchReport();
    report.outputs = { video: { file: 'out/batch/video', kind: 'video', digest: '', step: 'remove', legs: [{ leg: 'remove[shot=s000]', file: 'out/batch/video/shot=s000/video.mp4', digest: 'd' }] } };
    expect(reportMarkdown(report)).toContain('**video** (video, 1 file, one per leg of `remove`): `out/batch/video/`');
    expect(reportHtml(report)).toContain('<figure><div class="muted">1 file, one per leg (<a href="#group-0">contact sheet</a>)</div><figcaption><b>video</b> (video, from <code>remove</code>) · <code>out/batch/video/</code></figcaption></figure>');
  });
});
