import { OutputSlot } from '../graph/bind.js';
import type { Plan, PlannedStep } from '../graph/plan.js';
import { forced } from './legs.js';
import { mediaKindOf, paramLabel, paramShapes } from '../recipe/schema.js';
import type { Step } from '../recipe/types.js';
import { canonicalJson } from './hash.js';
import { StateDir } from './state-dir.js';
import { StepCache } from './step-cache.js';
import { StepHistory, type LastResult } from './step-history.js';
import { stepKey, type KeyMaterial } from './step-key.js';
import { ContentStore } from './store.js';

/** Where a media parameter's content came from, so a changed digest can be traced to its cause. */
export type MediaOrigin = { step: string; output: string } | { input: string; value?: string } | { file: string };

/** One reason a step is not served from the cache. A closed set: each reads as a clause of a sentence. */
export type Reason =
  | { kind: 'cache-disabled' }
  | { kind: 'no-cache' }
  | { kind: 'forced' }
  | { kind: 'never-run' }
  /**
   * `step`: the leg it reads; `paired`: that leg's recipe step, when the reader is a leg of a matrix step
   * reading its paired leg (the same reason for every leg); `more`: how many other legs it reads that run
   * first too (a fan-in).
   */
  | { kind: 'upstream-runs'; param: string; step: string; paired?: string; more?: number }
  | { kind: 'key-unknown'; why: string }
  | { kind: 'param-changed'; param: string; before?: unknown; after?: unknown; input?: string }
  | { kind: 'input-changed'; param: string; before?: string; after?: string; origin?: MediaOrigin }
  | { kind: 'model-changed'; before: string; after: string }
  | { kind: 'spec-changed'; before: number; after: number }
  | { kind: 'backend-changed'; before: string; after: string }
  | { kind: 'implementation-changed'; before?: number; after?: number }
  | { kind: 'result-gone'; run: string }
  | { kind: 'record-gone'; run: string };

export type ReasonKind = Reason['kind'];

/** Why one step runs (or that it does not), as data and as a sentence. */
export interface Explanation {
  step: string;
  cached: boolean;
  /** The run that computed the result a cached step is served from. */
  cachedFrom?: string;
  /** The run of the last finished result whose key it was compared with. */
  since?: string;
  reasons: Reason[];
  /** `left_scale changed 1.5 → 1.6`, the reasons joined, for people. */
  text: string;
}

export interface ExplainOptions {
  noCache?: boolean;
  force?: readonly string[];
}

/**
 * Says, for each step of a checked plan, why it is not cached, against the last finished result of the
 * same step id of the same recipe: what its key is made of now (`keyed`, from `checkCache`) compared with
 * what went into that result's key, as its cache record keeps it. Like Nextflow's `-dump-hashes` diff, but
 * in words, and traced through references: a changed input names the step that produced it.
 */
export function explainPlan(plan: Plan, stateDir: string, keyed: ReadonlyMap<string, KeyMaterial>, options: ExplainOptions = {}): Map<string, Explanation> {
  const state = new StateDir(stateDir);
  const cache = new StepCache(state.steps, new ContentStore(state.objects));
  const history = new StepHistory(state.history, plan.recipe.file);
  const force = new Set(options.force ?? []);
  const runs = new Map(plan.steps.filter((s) => s.cache !== 'cached').map((s) => [s.id, s]));
  const out = new Map<string, Explanation>();

  for (const planned of plan.steps) {
    const step = planned.spec;
    const id = planned.id;
    const material = keyed.get(id);
    const last = history.last(id);
    if (planned.cache === 'cached' && material) {
      const from = cache.peek(stepKey(material))?.run;
      out.set(id, finish({ step: id, cached: true, cachedFrom: from, reasons: [] }));
      continue;
    }
    const explained = (reasons: Reason[], since?: LastResult) => out.set(id, finish({ step: id, cached: false, since: since?.run, reasons }));
    if (!step.cache) explained([{ kind: 'cache-disabled' }]);
    else if (options.noCache) explained([{ kind: 'no-cache' }]);
    else if (forced(force, planned)) explained([{ kind: 'forced' }]);
    else if (!last) explained([{ kind: 'never-run' }]);
    else if (!material) explained(unknownKey(planned, runs));
    else if (last.key === stepKey(material)) explained([{ kind: 'result-gone', run: last.run }]);
    else {
      const before = cache.peek(last.key)?.keyed;
      if (before) explained(differences(planned, before, material, plan.inputs), last);
      else explained([{ kind: 'record-gone', run: last.run }]);
    }
  }
  return out;
}

/** The key cannot be computed before the run: an upstream step runs first, or a media input is not at hand. */
function unknownKey(leg: PlannedStep, runs: ReadonlyMap<string, PlannedStep>): Reason[] {
  const upstream: Reason[] = [];
  for (const [name, value] of Object.entries(leg.with)) {
    const items = Array.isArray(value) ? value : [value];
    const first = items.findIndex((v) => v instanceof OutputSlot && runs.has(v.leg));
    if (first < 0) continue;
    const more = items.filter((v) => v instanceof OutputSlot && runs.has(v.leg)).length - 1;
    const param = Array.isArray(value) ? paramLabel([name, first]) : name;
    const from = runs.get((items[first] as OutputSlot).leg)!;
    const paired = leg.matrix && from.matrix && !Array.isArray(value) ? { paired: from.step } : {};
    upstream.push({ kind: 'upstream-runs', param, step: from.id, ...paired, ...(more > 0 ? { more } : {}) });
  }
  if (upstream.length) return upstream;
  const urls = mediaParams(leg.spec).filter((name) => /^[a-z][a-z0-9+.-]*:\/\//i.test(String(leg.with[name] ?? '')));
  return [{ kind: 'key-unknown', why: urls.length ? `${urls.join(', ')} ${urls.length === 1 ? 'is a URL' : 'are URLs'}, read only when the step runs` : 'a media input cannot be read (see the warnings)' }];
}

/** What differs between the key of the last result and the key now, most telling first. */
function differences(leg: PlannedStep, before: KeyMaterial, now: KeyMaterial, inputs: Plan['inputs']): Reason[] {
  const step = leg.spec;
  const reasons: Reason[] = [];
  if (before.model !== now.model) reasons.push({ kind: 'model-changed', before: before.model, after: now.model });
  if (before.backend !== now.backend) reasons.push({ kind: 'backend-changed', before: before.backend, after: now.backend });
  if (before.specVersion !== now.specVersion) reasons.push({ kind: 'spec-changed', before: before.specVersion, after: now.specVersion });
  if (before.backend === now.backend && before.implementation !== now.implementation) reasons.push({ kind: 'implementation-changed', before: before.implementation, after: now.implementation });
  const media = new Set(mediaParams(step));
  const names = [...new Set([...Object.keys(before.params), ...Object.keys(now.params)])].sort();
  for (const name of names) {
    const [a, b] = [before.params[name], now.params[name]];
    if (same(a, b)) continue;
    if (!media.has(name)) {
      const site = step.refs.find((r) => r.whole && r.ref.context === 'inputs' && r.at.length === 4 && r.at[3] === name);
      reasons.push({ kind: 'param-changed', param: name, before: a, after: b, ...(site?.ref.context === 'inputs' ? { input: site.ref.name } : {}) });
    } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => {
        if (item !== b[i]) reasons.push({ kind: 'input-changed', param: paramLabel([name, i]), before: digestOf(item), after: digestOf(b[i]), origin: originOf(leg, [name, i], inputs) });
      });
    } else {
      reasons.push({ kind: 'input-changed', param: name, before: digestOf(a), after: digestOf(b), origin: originOf(leg, [name], inputs) });
    }
  }
  return reasons;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b));
}

function digestOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.replace(/^sha256:/, '') : undefined;
}

function mediaParams(step: Step): string[] {
  return [...paramShapes(step.model)].filter(([, s]) => mediaKindOf(s)).map(([n]) => n);
}

function originOf(leg: PlannedStep, at: (string | number)[], inputs: Plan['inputs']): MediaOrigin | undefined {
  const step = leg.spec;
  const bound = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], leg.with);
  if (bound instanceof OutputSlot) return { step: bound.leg, output: bound.output };
  const site = step.refs.find((s) => s.whole && s.at.length === 3 + at.length && at.every((k, i) => s.at[3 + i] === k));
  if (site?.ref.context === 'inputs') {
    const value = inputs[site.ref.name];
    return { input: site.ref.name, value: typeof value === 'string' ? value : undefined };
  }
  const literal = at.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], step.with);
  return typeof literal === 'string' ? { file: literal } : undefined;
}

function finish(explanation: Omit<Explanation, 'text'>): Explanation {
  const text = explanation.cached
    ? `cached${explanation.cachedFrom ? ` from run ${explanation.cachedFrom}` : ''}`
    : `runs because ${explanation.reasons.map(clause).join('; ')}${explanation.since ? ` (since run ${explanation.since})` : ''}`;
  return { ...explanation, text };
}

/** One reason as a clause: "left_scale changed 1.5 → 1.6". */
export function clause(reason: Reason): string {
  switch (reason.kind) {
    case 'cache-disabled':
      return 'the recipe sets cache: false on it';
    case 'no-cache':
      return '--no-cache recomputes every step';
    case 'forced':
      return `--force names it`;
    case 'never-run':
      return 'it has never finished in this state dir';
    case 'upstream-runs':
      if (reason.more) return `its ${reason.param} reads the outputs of "${reason.step}" and ${reason.more} more legs, which run first`;
      return reason.paired
        ? `its ${reason.param} is the output of its leg of step "${reason.paired}", which runs first`
        : `its ${reason.param} is the output of step "${reason.step}", which runs first`;
    case 'key-unknown':
      return `what it will read is not known yet: ${reason.why}`;
    case 'param-changed':
      return (reason.before === undefined
        ? `${reason.param} was set to ${show(reason.after)}`
        : reason.after === undefined
          ? `${reason.param} was removed (it was ${show(reason.before)})`
          : `${reason.param} changed ${show(reason.before)} → ${show(reason.after)}`) + (reason.input ? ` (from input "${reason.input}")` : '');
    case 'input-changed':
      return `${inputWords(reason)} (sha256 ${short(reason.before)} → ${short(reason.after)})`;
    case 'model-changed':
      return `it uses ${reason.after} instead of ${reason.before}`;
    case 'spec-changed':
      return `the spec version of its model changed ${reason.before} → ${reason.after}`;
    case 'backend-changed':
      return `its backend changed ${reason.before} → ${reason.after}`;
    case 'implementation-changed':
      return `its local implementation changed (version ${reason.before ?? 'unversioned'} → ${reason.after ?? 'unversioned'})`;
    case 'result-gone':
      return `its result from run ${reason.run} is no longer in the cache (deleted or damaged)`;
    case 'record-gone':
      return `what went into the key of its last result (run ${reason.run}) is no longer on record, so what changed cannot be told`;
  }
}

function inputWords(reason: Extract<Reason, { kind: 'input-changed' }>): string {
  const origin = reason.origin;
  if (!origin) return `the content of ${reason.param} changed`;
  if ('step' in origin) return `its ${reason.param} (output ${origin.output} of step "${origin.step}") has different content`;
  if ('input' in origin) return `the content of input "${origin.input}"${origin.value ? ` (${origin.value})` : ''}, its ${reason.param}, changed`;
  return `the content of ${origin.file}, its ${reason.param}, changed`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value);
}

function short(digest: string | undefined): string {
  return digest ? `${digest.slice(0, 8)}…` : 'none';
}
