import { HALF_KEYWORD, MEDIA_KEYWORD } from '../../models/param.js';
import type { AnyModel, LocalSetting } from '../../models/types.js';
import { paramsSchema, type JsonSchema } from '../../recipe/schema.js';
import { markdownTable, textTable } from './table.js';

export interface ParamRow {
  name: string;
  type: string;
  required: boolean;
  default?: string;
  /** DashScope only: the half of the request body the field travels in. */
  half?: string;
  description: string;
}

/** The parameter table of a model, read from its JSON Schema so docs and validation cannot disagree. */
export function paramRows(model: AnyModel): ParamRow[] {
  const schema = paramsSchema(model);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries((schema.properties as Record<string, JsonSchema>) ?? {}).map(([name, prop]) => ({
    name,
    type: typeOf(prop),
    required: required.has(name),
    default: prop.default === undefined ? undefined : JSON.stringify(prop.default),
    half: prop[HALF_KEYWORD] as string | undefined,
    description: String(prop.description ?? ''),
  }));
}

function typeOf(s: JsonSchema): string {
  const media = s[MEDIA_KEYWORD];
  if (media) return `${media} (path, URL or reference)`;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonSchema[]).map(typeOf).join(' | ');
  if (s.type === 'array') {
    const items = s.items as JsonSchema;
    const count = range(s.minItems, s.maxItems);
    return `list of ${typeOf(items).replace(/ \(path, URL or reference\)$/, '')}${count ? `, ${count} items` : ''}`;
  }
  const type = s.type === 'integer' ? 'integer' : String(s.type ?? 'any');
  if (type === 'integer' || type === 'number') {
    const r = range(s.minimum ?? (s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : undefined), s.maximum);
    return r ? `${type} ${r}` : type;
  }
  if (type === 'string' && typeof s.maxLength === 'number') return `string ≤ ${s.maxLength} chars`;
  return type;
}

function range(min: unknown, max: unknown): string {
  const big = (v: unknown) => typeof v === 'number' && Math.abs(v) >= Number.MAX_SAFE_INTEGER;
  const lo = min === undefined || big(min) ? undefined : String(min);
  const hi = max === undefined || big(max) ? undefined : String(max);
  if (lo && hi) return `${lo}–${hi}`;
  if (lo) return lo.startsWith('>') ? lo : `≥ ${lo}`;
  if (hi) return `≤ ${hi}`;
  return '';
}

function backends(model: AnyModel): string {
  return model.provider === 'local' ? 'local' : model.local ? `${model.provider}, local (offline preview)` : model.provider;
}

export function modelsText(models: readonly AnyModel[]): string {
  const rows = models.map((m) => [m.id, backends(m), m.title]);
  return `${textTable(['MODEL', 'BACKENDS', 'WHAT IT DOES'], rows)}\n\nRun \`npx vidrecipe models ID\` for a model's parameters.\n`;
}

export function modelText(model: AnyModel): string {
  const rows = paramRows(model);
  const hasHalf = rows.some((r) => r.half);
  const header = ['PARAMETER', 'TYPE', 'REQUIRED', 'DEFAULT', ...(hasHalf ? ['SENT IN'] : [])];
  const table = rows.map((r) => [r.name, r.type, r.required ? 'yes' : 'no', r.default ?? '—', ...(hasHalf ? [r.half ?? ''] : [])]);
  return [
    `${model.id} — ${model.title}`,
    '',
    wrap(model.summary, 100),
    '',
    `Backends: ${backends(model)}`,
    `Outputs:  ${Object.entries(model.outputs).map(([n, k]) => `${n} (${k})`).join(', ')}`,
    `Pricing:  ${model.pricing}`,
    ...(model.source ? [`Source:   ${model.source}`] : []),
    '',
    textTable(header, table, '  '),
    '',
    'Parameters:',
    ...rows.map((r) => `  ${r.name}: ${r.description}`),
    ...(model.rules.length ? ['', 'Rules:', ...model.rules.map((r) => `  - ${r.description}`)] : []),
    ...(model.limits ? ['', `Input limits on ${model.provider} (checked before anything is paid for):`, ...limitLines(model).map((l) => `  - ${l}`)] : []),
    ...(model.local ? ['', `Offline (--offline or backend: local): accepted but not honoured: ${model.local.ignores.join(', ')}`] : []),
    ...(model.local?.settings?.length ? ['Offline settings:', ...model.local.settings.map((s) => `  ${s.name}: ${settingValue(s)} — ${s.description}`)] : []),
    '',
  ].join('\n');
}

export function modelJson(model: AnyModel) {
  return {
    id: model.id,
    title: model.title,
    summary: model.summary,
    provider: model.provider,
    backends: model.provider === 'local' ? ['local'] : model.local ? [model.provider, 'local'] : [model.provider],
    outputs: model.outputs,
    pricing: model.pricing,
    source: model.source,
    parameters: paramRows(model),
    rules: model.rules.map((r) => r.description),
    offline_ignores: model.local?.ignores ?? [],
    offline_settings: model.local?.settings ?? [],
    input_limits: model.limits ?? null,
    schema: paramsSchema(model),
  };
}

/** docs/models.md: the catalog, generated. */
export function modelsMarkdown(models: readonly AnyModel[]): string {
  const out = [
    '# Models',
    '',
    '<!-- Generated from src/models by `npm run schemas`; do not edit by hand. -->',
    '',
    'Every step names one of these in `uses:`. Parameters keep the provider\'s documented names, so values can be pasted from the provider docs. Any parameter can take a `${{ }}` reference instead of a literal.',
    '',
    markdownTable(['model', 'backends', 'what it does'], models.map((m) => [`[\`${m.id}\`](#${anchor(m.id)})`, backends(m), m.title])),
    '',
  ];
  for (const model of models) {
    const rows = paramRows(model);
    const hasHalf = rows.some((r) => r.half);
    out.push(
      `## ${model.id}`,
      '',
      `**${model.title}.** ${model.summary}`,
      '',
      `- Backends: ${backends(model)}`,
      `- Outputs: ${Object.entries(model.outputs).map(([n, k]) => `\`${n}\` (${k})`).join(', ')}`,
      `- Pricing: ${model.pricing}`,
      ...(model.source ? [`- Source: <${model.source}>`] : []),
      `- Schema: [\`schemas/models/${model.id}.schema.json\`](../schemas/models/${model.id}.schema.json)`,
      '',
      markdownTable(
        ['parameter', 'type', 'required', 'default', ...(hasHalf ? ['sent in'] : []), 'description'],
        rows.map((r) => [`\`${r.name}\``, r.type, r.required ? 'yes' : '', r.default === undefined ? '' : `\`${r.default}\``, ...(hasHalf ? [r.half ?? ''] : []), r.description]),
      ),
      '',
    );
    if (model.rules.length) out.push('Rules:', '', ...model.rules.map((r) => `- ${r.description}`), '');
    if (model.limits) out.push(`Input limits on ${model.provider}, checked before anything is paid for:`, '', ...limitLines(model).map((l) => `- ${l}`), '');
    if (model.local) out.push(`Offline (\`--offline\` or \`backend: local\`): a classical preview; accepted but not honoured: ${model.local.ignores.map((p) => `\`${p}\``).join(', ')}.`, '');
    if (model.local?.settings?.length) out.push('Offline settings (fixed):', '', ...model.local.settings.map((s) => `- \`${s.name}\`: ${settingValue(s)}. ${s.description}`), '');
  }
  return out.join('\n');
}

function settingValue(setting: LocalSetting): string {
  return `${setting.value}${setting.unit ? ` ${setting.unit}` : ''}`;
}

/** A model's documented input limits in words, one line per parameter or relation. */
export function limitLines(model: AnyModel): string[] {
  const limits = model.limits;
  if (!limits) return [];
  const lines = Object.entries(limits.params).map(([name, l]) => {
    const parts = [
      l.mp4 ? 'MP4' : '',
      l.maxSeconds !== undefined ? `at most ${l.maxSeconds} s` : '',
      l.minFps !== undefined ? `at least ${l.minFps} fps` : '',
      l.minSide !== undefined && l.maxSide !== undefined ? `each side ${l.minSide}–${l.maxSide} px` : '',
      l.maxBytes !== undefined ? `at most ${l.maxBytes / 1024 / 1024} MB` : '',
    ];
    return `${name}: ${parts.filter(Boolean).join(', ')}`;
  });
  for (const [a, b] of limits.sameShape ?? []) lines.push(`${b}: the same width and height as ${a} (and frame count, for a video)`);
  if (limits.together) lines.push(`${limits.together.params.join(' and ')}: at most ${limits.together.maxSeconds} s together`);
  return lines;
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

function wrap(text: string, width: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
