import type { Explanation } from '../../engine/explain.js';
import { legFields } from '../../engine/legs.js';
import { recipeOutputs, type Plan, type PlannedStep } from '../../graph/plan.js';
import { roundUsd, usd } from '../../models/price.js';
import { isSubRecipe, type Recipe } from '../../recipe/types.js';
import { explainJson, explainMarkdown, explainText } from './explain.js';
import { markdownTable, textTable } from './table.js';

export type PlanFormat = 'text' | 'json' | 'markdown' | 'mermaid';

const CACHE_LABEL: Record<PlannedStep['cache'], string> = {
  cached: 'cached',
  'not-cached': 'not cached',
  disabled: 'cache: false',
};

/** `explain` (from `--explain`) adds why each step runs, to every format but the bare graph. */
export function formatPlan(plan: Plan, format: PlanFormat, explain?: ReadonlyMap<string, Explanation>): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(planJson(plan, explain), null, 2)}\n`;
    case 'markdown':
      return planMarkdown(plan, explain);
    case 'mermaid':
      return `${planMermaid(plan)}\n`;
    default:
      return planText(plan) + (explain ? `\n${explainText(plan, explain)}` : '');
  }
}

/** DESIGN.md's shape, plus the pricing basis and cache status a reviewer needs. */
export function planJson(plan: Plan, explain?: ReadonlyMap<string, Explanation>) {
  return {
    recipe: plan.recipe.name,
    file: plan.recipe.file,
    steps: plan.steps.map((s) => ({
      id: s.id,
      ...legFields(s),
      uses: s.uses,
      backend: s.backend,
      needs: s.needs,
      cached: s.cache === 'cached',
      cache: s.cache,
      estimated_cost_usd: s.estimatedCostUsd,
      price_basis: s.priceBasis,
      ...(explain?.has(s.id) ? { explain: explainJson(explain.get(s.id)!) } : {}),
    })),
    order: plan.order,
    ...matrixGroupsJson(plan),
    outputs: Object.fromEntries(recipeOutputs(plan.recipe).map((o) => [o.name, o.from])),
    total_estimated_cost_usd: plan.totalEstimatedCostUsd,
    warnings: plan.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message),
  };
}

/**
 * A recipe step and its legs, as plans show it: a step without a matrix is its one leg, as before batches;
 * a matrix step is one row, `remove ×300`, priced as the sum of its legs with the range of one leg.
 */
interface StepRow {
  step: string;
  legs: PlannedStep[];
  matrix: boolean;
  /** The recipe steps it waits for (its legs' needs, by step). */
  needs: string[];
  cached: number;
  costUsd: number;
  /** The cheapest and dearest leg still to pay for; undefined when every leg is cached. */
  range?: [number, number];
}

const rowsOf = new WeakMap<Plan, StepRow[]>();

/** Plan.groups in plan order, each with what its row shows (worked out once per plan: 10,000 legs). */
export function stepRows(plan: Plan): StepRow[] {
  let rows = rowsOf.get(plan);
  if (!rows) rowsOf.set(plan, (rows = planRows(plan)));
  return rows;
}

function planRows(plan: Plan): StepRow[] {
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  return plan.groups.map((group) => {
    const legs = group.legs.map((id) => byId.get(id)!).filter(Boolean);
    const needs = [...new Set(legs.flatMap((l) => l.needs.map((n) => byId.get(n)?.step ?? n)))].filter((n) => n !== group.step);
    const toPay = legs.filter((l) => l.cache !== 'cached').map((l) => l.estimatedCostUsd);
    return {
      step: group.step,
      legs,
      // A step of several legs is one row whatever made them; a matrix of one leg is still a matrix.
      matrix: legs.length > 1 || legs.some((l) => l.matrix !== undefined),
      needs,
      cached: legs.length - toPay.length,
      costUsd: roundUsd(toPay.reduce((a, b) => a + b, 0)),
      range: toPay.length ? [Math.min(...toPay), Math.max(...toPay)] : undefined,
    };
  });
}

/** `remove ×300` for a matrix step; the leg's own id otherwise. */
function rowName(row: StepRow): string {
  return row.matrix ? `${row.step} ×${row.legs.length}` : row.legs[0]!.id;
}

function rowCache(row: StepRow): string {
  if (!row.matrix) return CACHE_LABEL[row.legs[0]!.cache];
  if (row.legs.every((l) => l.cache === 'disabled')) return CACHE_LABEL.disabled;
  if (row.cached === 0) return CACHE_LABEL['not-cached'];
  return row.cached === row.legs.length ? 'cached' : `${row.cached} of ${row.legs.length} cached`;
}

/** `$26.00 ($0.10–$0.20 per leg)`: the total to pay and what one leg costs. */
function rowCost(row: StepRow): string {
  if (!row.matrix) return usd(row.legs[0]!.estimatedCostUsd);
  // Free (local) or all cached: nothing per leg to tell.
  if (!row.range || row.range[1] === 0) return usd(row.costUsd);
  const [min, max] = row.range;
  return `${usd(row.costUsd)} (${min === max ? usd(min) : `${usd(min)}–${usd(max)}`} per leg)`;
}

function rows(plan: Plan): string[][] {
  return stepRows(plan).map((row, i) => [
    String(i + 1),
    rowName(row),
    [...new Set(row.legs.map((l) => l.uses))].join(', '),
    [...new Set(row.legs.map((l) => l.backend))].join(', '),
    // By recipe step: a step reading all 300 legs of another needs that one step, not 300 ids.
    row.needs.join(', ') || '—',
    rowCache(row),
    rowCost(row),
  ]);
}

const HEADER = ['#', 'step', 'model', 'backend', 'needs', 'cache', 'est. cost'];

/** Distinct price bases a matrix step's pricing line quotes before it only counts the rest. */
const QUOTED_BASES = 3;

function pricing(plan: Plan): string[] {
  return stepRows(plan).map((row) => {
    if (!row.matrix) {
      const s = row.legs[0]!;
      return `${s.id}: ${s.cache === 'cached' ? 'cached, nothing to pay' : s.priceBasis}`;
    }
    const toPay = row.legs.filter((l) => l.cache !== 'cached');
    if (!toPay.length) return `${rowName(row)}: cached, nothing to pay`;
    const cached = row.cached ? `; ${row.cached} cached` : '';
    const bases = [...new Set(toPay.map((l) => l.priceBasis))];
    if (bases.length === 1) return `${rowName(row)}: ${bases[0]} (each of ${toPay.length} ${toPay.length === 1 ? 'leg' : 'legs'}${cached})`;
    const more = bases.length > QUOTED_BASES ? `; … ${bases.length - QUOTED_BASES} more` : '';
    return `${rowName(row)}: ${toPay.length} legs priced ${rowCost(row).replace(/^\S+ \((.*) per leg\)$/, '$1')} each${cached}: ${bases.slice(0, QUOTED_BASES).join('; ')}${more}`;
  });
}

/** `3 steps, 1 cached` as before batches; `3 steps (302 legs), 40 cached` once a step has legs. */
function headline(plan: Plan): string {
  const groups = plan.groups.length;
  const n = plan.steps.length;
  const legs = stepRows(plan).some((r) => r.matrix || r.legs.length > 1);
  const cached = plan.steps.filter((s) => s.cache === 'cached').length;
  const count = legs ? `${groups} step${groups === 1 ? '' : 's'} (${n} leg${n === 1 ? '' : 's'})` : `${n} step${n === 1 ? '' : 's'}`;
  return `${count}${cached ? `, ${cached} cached` : ''}, estimated ${usd(plan.totalEstimatedCostUsd)}`;
}

/** `groups` of `plan --format json`: per matrix step, its legs counted and priced (every leg is in `steps`). */
function matrixGroupsJson(plan: Plan) {
  const rows = stepRows(plan).filter((r) => r.matrix);
  if (!rows.length) return {};
  return {
    groups: Object.fromEntries(
      rows.map((r) => [
        r.step,
        { legs: r.legs.length, cached: r.cached, estimated_cost_usd: r.costUsd, ...(r.range ? { leg_cost_usd: { min: r.range[0], max: r.range[1] } } : {}) },
      ]),
    ),
  };
}

function planText(plan: Plan): string {
  const outputs = recipeOutputs(plan.recipe);
  return [
    `Plan for ${plan.recipe.file} (${plan.recipe.name}): ${headline(plan)}`,
    '',
    textTable(HEADER, rows(plan), '  '),
    '',
    `Estimated total: ${usd(plan.totalEstimatedCostUsd)} (estimates, before any money is spent; cached steps cost nothing)`,
    'Pricing:',
    ...pricing(plan).map((p) => `  ${p}`),
    ...(outputs.length ? ['Outputs:', ...outputs.map((o) => `  ${o.name} ← ${o.from}`)] : []),
    '',
  ].join('\n');
}

/** A PR comment: what will run, where, for how much, and the graph. */
function planMarkdown(plan: Plan, explain?: ReadonlyMap<string, Explanation>): string {
  const warnings = plan.diagnostics.filter((d) => d.severity === 'warning');
  return [
    `### vidrecipe plan: \`${plan.recipe.name}\``,
    '',
    `\`${plan.recipe.file}\` · ${headline(plan)}`,
    '',
    markdownTable(HEADER, rows(plan)),
    '',
    `**Estimated total: ${usd(plan.totalEstimatedCostUsd)}**`,
    '',
    '```mermaid',
    planMermaid(plan),
    '```',
    '',
    '<details><summary>Pricing assumptions</summary>',
    '',
    ...pricing(plan).map((p) => `- ${p}`),
    '',
    '</details>',
    ...(explain ? explainMarkdown(plan, explain) : []),
    // A blank line before each alert: quoted lines that touch join into one blockquote, so one alert.
    ...warnings.flatMap((w) => ['', '> [!WARNING]', ...w.message.split('\n').map((line) => `> ${line}`.trimEnd())]),
    '',
  ].join('\n');
}

/**
 * A flowchart: recipe inputs → steps → recipe outputs, each step labelled with its backend and cost. One
 * node per recipe step (a matrix step says `×300`; its legs are in the plan, not the picture), one edge per
 * reference between steps, and a sub-recipe as a box around its own steps.
 */
export function planMermaid(plan: Plan): string {
  const { recipe } = plan;
  const out = ['flowchart LR'];
  const rows = stepRows(plan);
  // Ids by position: names like `cut-a` and `cut_a` must not become one node.
  const stepIds = new Map(rows.map((r, i) => [r.step, `s${i}`]));
  const boxIds = new Map<string, string>();
  const inputIds = new Map(Object.keys(recipe.inputs).map((name, i) => [name, `in${i}`]));
  const input = (name: string) => inputIds.get(name)!;
  const usedInputs = new Set<string>();
  const sites = [...[...recipe.steps.values()].flatMap((s) => s.refs), ...Object.values(recipe.outputs)];
  for (const site of sites) if (site.ref.context === 'inputs') usedInputs.add(site.ref.name);
  for (const name of usedInputs) out.push(`  ${input(name)}[/"${label(name)}"/]`);

  const nodeLine = (row: StepRow, indent: string) => {
    const first = row.legs[0]!;
    const model = first.uses.split('/').slice(-2).join('/');
    const cost = row.cached === row.legs.length ? 'cached' : row.costUsd === 0 ? 'free' : usd(row.costUsd);
    const name = row.matrix ? `${row.step} ×${row.legs.length}` : first.id;
    return `${indent}${stepIds.get(row.step)}["<b>${label(name)}</b><br/>${label(model)}<br/>${first.backend} · ${cost}"]`;
  };
  // Sub-recipe steps (`tidy`): their own steps (`tidy/remove`) are drawn in a box named after them.
  const findBoxes = (r: Recipe, prefix: string) => {
    for (const step of r.steps.values()) {
      if (!isSubRecipe(step)) continue;
      boxIds.set(`${prefix}${step.id}`, `sg${boxIds.size}`);
      findBoxes(step.recipe, `${prefix}${step.id}/`);
    }
  };
  findBoxes(recipe, '');
  // In plan order; a box where its first step comes, holding all of its steps.
  const nodes = (prefix: string, indent: string): string[] => {
    const lines: string[] = [];
    const opened = new Set<string>();
    for (const row of rows) {
      if (!row.step.startsWith(prefix)) continue;
      const rest = row.step.slice(prefix.length);
      const box = rest.includes('/') ? `${prefix}${rest.split('/')[0]}` : undefined;
      if (!box || !boxIds.has(box)) lines.push(nodeLine(row, indent));
      else if (!opened.has(box)) {
        opened.add(box);
        lines.push(`${indent}subgraph ${boxIds.get(box)}["${label(box)}"]`, ...nodes(`${box}/`, `${indent}  `), `${indent}end`);
      }
    }
    return lines;
  };
  out.push(...nodes('', '  '));

  const node = (step: string) => stepIds.get(step) ?? boxIds.get(step);
  const edges = (r: Recipe, prefix: string) => {
    for (const step of r.steps.values()) {
      const to = node(`${prefix}${step.id}`);
      const lines = new Set<string>();
      for (const site of step.refs) {
        if (site.ref.context === 'matrix') continue;
        // Inside a sub-recipe, its inputs come in through the box's own edges.
        const from = site.ref.context === 'inputs' ? (prefix ? undefined : input(site.ref.name)) : node(`${prefix}${site.ref.step}`);
        const name = site.ref.context === 'inputs' ? '' : `|${site.ref.output}|`;
        if (from && to) lines.add(`  ${from} -->${name} ${to}`);
      }
      for (const need of step.needs) {
        const from = node(`${prefix}${need}`);
        if (from && to) lines.add(`  ${from} -.-> ${to}`);
      }
      out.push(...lines);
      if (isSubRecipe(step)) edges(step.recipe, `${prefix}${step.id}/`);
    }
  };
  edges(recipe, '');
  for (const [i, [name, site]] of Object.entries(recipe.outputs).entries()) {
    out.push(`  out${i}[\\"${label(name)}"\\]`);
    if (site.ref.context === 'matrix') continue;
    const from = site.ref.context === 'steps' ? node(site.ref.step) : input(site.ref.name);
    if (from) out.push(`  ${from} --> out${i}`);
  }
  out.push('  classDef cached fill:#e6f4ea,stroke:#34a853');
  const cached = rows.filter((r) => r.cached === r.legs.length).map((r) => stepIds.get(r.step)!);
  if (cached.length) out.push(`  class ${cached.join(',')} cached`);
  return out.join('\n');
}

/** Mermaid labels are quoted; a double quote inside would end them. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;');
}
