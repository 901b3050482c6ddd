import type { Explanation } from '../../engine/explain.js';
import { recipeOutputs, type Plan, type PlannedStep } from '../../graph/plan.js';
import { usd } from '../../models/price.js';
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
    outputs: Object.fromEntries(recipeOutputs(plan.recipe).map((o) => [o.name, o.from])),
    total_estimated_cost_usd: plan.totalEstimatedCostUsd,
    warnings: plan.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message),
  };
}

function rows(plan: Plan): string[][] {
  return plan.steps.map((s, i) => [
    String(i + 1),
    s.id,
    s.uses,
    s.backend,
    s.needs.join(', ') || '—',
    CACHE_LABEL[s.cache],
    usd(s.estimatedCostUsd),
  ]);
}

const HEADER = ['#', 'step', 'model', 'backend', 'needs', 'cache', 'est. cost'];

function pricing(plan: Plan): string[] {
  return plan.steps.map((s) => `${s.id}: ${s.cache === 'cached' ? 'cached, nothing to pay' : s.priceBasis}`);
}

function headline(plan: Plan): string {
  const n = plan.steps.length;
  const cached = plan.steps.filter((s) => s.cache === 'cached').length;
  return `${n} step${n === 1 ? '' : 's'}${cached ? `, ${cached} cached` : ''}, estimated ${usd(plan.totalEstimatedCostUsd)}`;
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

/** A flowchart: recipe inputs → steps → recipe outputs, each step labelled with its backend and cost. */
export function planMermaid(plan: Plan): string {
  const { recipe } = plan;
  const out = ['flowchart LR'];
  // Ids by position: names like `cut-a` and `cut_a` must not become one node.
  const stepIds = new Map(plan.steps.map((s, i) => [s.id, `s${i}`]));
  const inputIds = new Map(Object.keys(recipe.inputs).map((name, i) => [name, `in${i}`]));
  const node = (id: string) => stepIds.get(id)!;
  const input = (name: string) => inputIds.get(name)!;
  const usedInputs = new Set<string>();
  const sites = [...[...recipe.steps.values()].flatMap((s) => s.refs), ...Object.values(recipe.outputs)];
  for (const site of sites) if (site.ref.context === 'inputs') usedInputs.add(site.ref.name);
  for (const name of usedInputs) out.push(`  ${input(name)}[/"${label(name)}"/]`);
  for (const s of plan.steps) {
    const model = s.uses.split('/').slice(-2).join('/');
    const cost = s.cache === 'cached' ? 'cached' : s.estimatedCostUsd === 0 ? 'free' : usd(s.estimatedCostUsd);
    out.push(`  ${node(s.id)}["<b>${label(s.id)}</b><br/>${label(model)}<br/>${s.backend} · ${cost}"]`);
  }
  for (const step of recipe.steps.values()) {
    const edges = new Set<string>();
    for (const site of step.refs) {
      if (site.ref.context === 'matrix') continue;
      const from = site.ref.context === 'inputs' ? input(site.ref.name) : node(site.ref.step);
      const name = site.ref.context === 'inputs' ? '' : `|${site.ref.output}|`;
      edges.add(`  ${from} -->${name} ${node(step.id)}`);
    }
    for (const need of step.needs) edges.add(`  ${node(need)} -.-> ${node(step.id)}`);
    out.push(...edges);
  }
  for (const [i, [name, site]] of Object.entries(recipe.outputs).entries()) {
    out.push(`  out${i}[\\"${label(name)}"\\]`);
    if (site.ref.context === 'matrix') continue;
    const from = site.ref.context === 'steps' ? node(site.ref.step) : input(site.ref.name);
    out.push(`  ${from} --> out${i}`);
  }
  out.push('  classDef cached fill:#e6f4ea,stroke:#34a853');
  const cached = plan.steps.filter((s) => s.cache === 'cached').map((s) => node(s.id));
  if (cached.length) out.push(`  class ${cached.join(',')} cached`);
  return out.join('\n');
}

/** Mermaid labels are quoted; a double quote inside would end them. */
function label(text: string): string {
  return text.replace(/"/g, '#quot;');
}
