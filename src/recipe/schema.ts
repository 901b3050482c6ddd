import { z } from 'zod';
import { HALF_KEYWORD, MEDIA_KEYWORD } from '../models/param.js';
import { BACKENDS, type AnyModel, type MediaKind, type ValueKind } from '../models/types.js';
import type { InputType } from './types.js';

/**
 * JSON Schemas derived from the model catalog. One derivation serves three readers: the validator
 * (per model, compiled lazily), the committed files under schemas/ that editors use through the
 * yaml-language-server modeline, and the generated docs. What is published is plain draft-07 that
 * strict ajv compiles as is: our own `x-` keywords stay in the validator's copy ({@link publishable}).
 */
export type JsonSchema = { [keyword: string]: unknown };

export const SCHEMA_BASE = 'https://vidrecipe.dev/schemas';
export const STEP_ID_PATTERN = '^[a-z][a-z0-9_-]*$';
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_-]*$';
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*)+$';
/** `uses: ./cleanup.yaml`: another recipe, by a path relative to the including one (sub-recipe.ts). */
export const SUB_RECIPE_PATTERN = '^\\.\\.?/.+\\.ya?ml$';
/** The kinds of one value: what a list's items (`of`) and a table's columns are. */
export const VALUE_KINDS: readonly ValueKind[] = ['video', 'image', 'string', 'number', 'boolean'];
export const INPUT_TYPES: readonly InputType[] = [...VALUE_KINDS, 'list', 'table'];
/** The keys of `matrix:` that are not axes. */
export const MATRIX_KEYWORDS = ['include', 'exclude'] as const;
/** Marks the schema branch that accepts a `${{ }}` expression, so validator errors from it can be told apart. */
export const EXPRESSION_KEYWORD = 'x-expression';
/** Our own keywords: the validator is told about them; {@link publishable} removes them for everyone else. */
export const CUSTOM_KEYWORDS = [MEDIA_KEYWORD, HALF_KEYWORD, EXPRESSION_KEYWORD] as const;
export const EXPRESSION_PATTERN = '^\\s*\\$\\{\\{[\\s\\S]*\\}\\}\\s*$';

export const EXPRESSION_SCHEMA: JsonSchema = {
  [EXPRESSION_KEYWORD]: true,
  type: 'string',
  pattern: EXPRESSION_PATTERN,
  description: 'A reference: ${{ inputs.NAME }}, ${{ steps.ID.outputs.NAME }} or, in a step with a matrix, ${{ matrix.NAME }}.',
};

/** A value a matrix is written with: text, a number or a flag (bare types, so strict tools need no option). */
const SCALAR: JsonSchema = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

/** `include:` / `exclude:` of a matrix: a list of maps of scalars. */
function matrixEntries(description: string): JsonSchema {
  return { type: 'array', items: { type: 'object', minProperties: 1, additionalProperties: SCALAR }, description };
}

/**
 * `matrix:` as editors see it. The validator reports matrix problems itself (recipe/matrix.ts), with
 * messages that say which axis and how to fix; this schema is for completion and hover.
 */
function matrixSchema(): JsonSchema {
  return {
    type: 'object',
    minProperties: 1,
    description: 'Runs the step once per leg: the cartesian product of the axes, with include and exclude as in GitHub Actions. Each leg reads its values as ${{ matrix.NAME }}.',
    propertyNames: { type: 'string', pattern: NAME_PATTERN },
    properties: {
      include: matrixEntries('Legs to add, or extra keys for the legs whose axis values an entry matches.'),
      exclude: matrixEntries('Legs to leave out: those whose values match every key of an entry.'),
    },
    additionalProperties: {
      description: "An axis: a list of values, ${{ inputs.NAME }} of a list or table input, or ${{ files('GLOB') }} (relative to the recipe).",
      anyOf: [
        { type: 'array', minItems: 1, items: SCALAR },
        { type: 'string', pattern: EXPRESSION_PATTERN },
      ],
    },
  };
}

const paramsCache = new WeakMap<AnyModel, JsonSchema>();

/** The model's parameters as the provider documents them (no expressions), draft-07. */
export function paramsSchema(model: AnyModel): JsonSchema {
  let schema = paramsCache.get(model);
  if (!schema) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(model.params, { target: 'draft-07', io: 'input' }) as JsonSchema;
    schema = rest;
    paramsCache.set(model, schema);
  }
  return schema;
}

/** What a parameter accepts, as far as references are concerned. */
export interface ParamShape {
  kind: ValueKind | 'list';
  /** For lists: what each item is. */
  item?: ValueKind;
}

/** The media a parameter takes, as one file or as a list of them; undefined for any other parameter. */
export function mediaKindOf(shape: ParamShape | undefined): MediaKind | undefined {
  const kind = shape?.kind === 'list' ? shape.item : shape?.kind;
  return kind === 'video' || kind === 'image' ? kind : undefined;
}

/** A path inside `with` as messages name it: `ref_images_url[2]`, `size.width`. */
export function paramLabel(path: readonly (string | number)[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
}

/** Parameter name → shape, for type-checking references. */
export function paramShapes(model: AnyModel): ReadonlyMap<string, ParamShape> {
  let shapes = shapesCache.get(model);
  if (!shapes) {
    shapes = new Map();
    for (const [name, prop] of Object.entries(properties(paramsSchema(model)))) {
      const kind = valueKind(prop);
      const item = kind === 'list' ? valueKind((prop.items as JsonSchema | undefined) ?? {}) : undefined;
      shapes.set(name, { kind, item: item === 'list' ? undefined : item });
    }
    shapesCache.set(model, shapes);
  }
  return shapes;
}

const shapesCache = new WeakMap<AnyModel, Map<string, ParamShape>>();

/** Shapes computed at build time (precompiled.ts): `validate` then never converts Zod to JSON Schema. */
export function seedParamShapes(model: AnyModel, shapes: Readonly<Record<string, ParamShape>>): void {
  if (!shapesCache.has(model)) shapesCache.set(model, new Map(Object.entries(shapes)));
}

/** What the slot at `rel` inside `with` accepts: a parameter (`[name]`) or one item of a list (`[name, i]`). */
export function slotKind(model: AnyModel, rel: readonly (string | number)[]): ValueKind | 'list' | undefined {
  const shape = paramShapes(model).get(String(rel[0]));
  if (rel.length === 1) return shape?.kind;
  return rel.length === 2 && shape?.kind === 'list' ? shape.item : undefined;
}

function valueKind(schema: JsonSchema): ValueKind | 'list' {
  const media = schema[MEDIA_KEYWORD] as MediaKind | undefined;
  if (media) return media;
  const types = new Set<string>();
  collectTypes(schema, types);
  if (types.has('array')) return 'list';
  if (types.has('number') || types.has('integer')) return types.has('string') ? 'string' : 'number';
  if (types.has('boolean')) return 'boolean';
  return 'string';
}

function collectTypes(schema: JsonSchema, into: Set<string>): void {
  const type = schema.type;
  if (typeof type === 'string') into.add(type);
  if (Array.isArray(type)) for (const t of type) into.add(String(t));
  for (const key of ['anyOf', 'oneOf'] as const) {
    for (const branch of (schema[key] as JsonSchema[] | undefined) ?? []) collectTypes(branch, into);
  }
}

function properties(schema: JsonSchema): Record<string, JsonSchema> {
  return (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
}

/** Keywords an editor shows on hover or uses for completion; they stay outside the expression `anyOf`. */
const HOISTED = ['title', 'description', 'default', MEDIA_KEYWORD, HALF_KEYWORD] as const;

/** Lets every parameter (and every list item) take an expression instead of a literal. */
export function withExpressions(params: JsonSchema, expression: JsonSchema = EXPRESSION_SCHEMA): JsonSchema {
  const wrapped: Record<string, JsonSchema> = {};
  for (const [name, prop] of Object.entries(properties(params))) {
    const literal: JsonSchema = { ...prop };
    if (literal.type === 'array' && literal.items && typeof literal.items === 'object') {
      literal.items = acceptExpression(literal.items as JsonSchema, expression);
    }
    wrapped[name] = acceptExpression(literal, expression);
  }
  return { ...params, properties: wrapped };
}

function acceptExpression(schema: JsonSchema, expression: JsonSchema): JsonSchema {
  const outer: JsonSchema = {};
  const inner: JsonSchema = { ...schema };
  for (const key of HOISTED) {
    if (key in inner) {
      outer[key] = inner[key];
      delete inner[key];
    }
  }
  // The literal first: an editor (yaml-language-server) reports the first of equally bad branches, and
  // `num_frames: 86` should read "not one of 69, 77, …", not "expected a string" from the expression.
  return { ...outer, anyOf: [inner, expression] };
}

/** Durations: a number of seconds, or text such as `90s`, `30m`, `1h30m`, `500ms`. */
const DURATION: JsonSchema = {
  anyOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
  description: 'Seconds, or a duration such as 90s, 30m, 1h30m.',
};

/** `matrix` is passed in: the editor schema refers to one definition instead of repeating it per model. */
function stepProperties(matrix: JsonSchema = matrixSchema()): Record<string, JsonSchema> {
  return {
    uses: { type: 'string', description: 'The model id from the catalog (see `vidrecipe models`), or another recipe by a relative path (./cleanup.yaml).' },
    name: { type: 'string', description: 'A display name for reports.' },
    description: { type: 'string' },
    with: { type: 'object', description: "The model's parameters, under the provider's documented names." },
    needs: {
      description: 'Steps that must finish first, besides those this step references.',
      anyOf: [
        { type: 'string', pattern: STEP_ID_PATTERN },
        { type: 'array', items: { type: 'string', pattern: STEP_ID_PATTERN }, uniqueItems: true },
      ],
    },
    timeout: DURATION,
    retries: { type: 'integer', minimum: 0, maximum: 10, default: 0, description: 'How often to retry a failed attempt.' },
    cache: { type: 'boolean', default: true, description: 'false = always run, never reuse a cached result.' },
    backend: { enum: [...BACKENDS], description: 'Force a backend; `local` runs a remote model on its offline implementation.' },
    matrix,
    'max-parallel': { type: 'integer', minimum: 1, description: 'With a matrix: at most this many legs of the step at once.' },
    'fail-fast': { type: 'boolean', default: false, description: "With a matrix: a failed leg cancels the step's other legs. By default the others finish." },
  };
}

/** One `inputs:` entry. `of` and `columns` are required by the type that uses them (for editors; the checker says it in its own words). */
function inputSchema(): JsonSchema {
  const kinds = { enum: [...VALUE_KINDS] };
  return {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { enum: [...INPUT_TYPES], description: 'One value (video, image, string, number, boolean), a list of values, or the rows of a table file.' },
      of: { ...kinds, description: 'type: list — the kind of every item.' },
      columns: {
        type: 'object',
        minProperties: 1,
        propertyNames: { type: 'string', pattern: NAME_PATTERN },
        additionalProperties: kinds,
        description: 'type: table — each column and its kind, e.g. { video: video, prompt: string }.',
      },
      default: {
        anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array' }],
        description: 'For media: a path relative to the recipe, or a URL. A list: a YAML list. A table: the path of its CSV, JSONL or YAML file.',
      },
      description: { type: 'string' },
    },
    // `properties` repeated inside `then`: strict ajv wants a required key defined beside it.
    allOf: [
      { if: { properties: { type: { const: 'list' } }, required: ['type'] }, then: { properties: { of: kinds, default: { type: 'array' } }, required: ['of'] } },
      { if: { properties: { type: { const: 'table' } }, required: ['type'] }, then: { properties: { columns: { type: 'object' }, default: { type: 'string' } }, required: ['columns'] } },
    ],
  };
}

/**
 * The recipe without model-specific parameters: the validator checks `with` separately against the
 * schema of the model the step uses, so one unknown model id does not drown the file in errors.
 */
export function recipeSkeletonSchema(step: JsonSchema = { type: 'object', required: ['uses'], additionalProperties: false, properties: stepProperties() }, expression: JsonSchema = EXPRESSION_SCHEMA): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['version', 'steps'],
    // `x-…` keys are free, e.g. to hold YAML anchors that steps merge in with `<<: *common`.
    patternProperties: { '^x-': {} },
    properties: {
      $schema: { type: 'string' },
      version: { const: 1, description: 'Recipe format version; always 1.' },
      name: { type: 'string', minLength: 1, description: 'Names the output folder out/<name>/; defaults to the file name.' },
      description: { type: 'string' },
      inputs: {
        type: 'object',
        description: 'Values a run can override with --input NAME=VALUE.',
        propertyNames: { type: 'string', pattern: NAME_PATTERN },
        additionalProperties: inputSchema(),
      },
      steps: {
        type: 'object',
        minProperties: 1,
        propertyNames: { type: 'string', pattern: STEP_ID_PATTERN },
        additionalProperties: step,
      },
      outputs: {
        type: 'object',
        description: 'Final outputs, copied to --out.',
        propertyNames: { type: 'string', pattern: NAME_PATTERN },
        additionalProperties: expression,
      },
    },
  };
}

/** The whole recipe for editors: `with` completes per model, chosen by `uses`. */
export function recipeSchema(models: readonly AnyModel[]): JsonSchema {
  const ref = { $ref: '#/definitions/expression' };
  const definitions: Record<string, JsonSchema> = { expression: EXPRESSION_SCHEMA, matrix: matrixSchema() };
  const matrix = { $ref: '#/definitions/matrix' };
  const branches = models.map((model) => {
    definitions[model.id] = { title: model.title, description: model.summary, ...withExpressions(paramsSchema(model), ref) };
    const required = (paramsSchema(model).required as string[] | undefined)?.length ? ['uses', 'with'] : ['uses'];
    return {
      type: 'object',
      additionalProperties: false,
      required,
      properties: {
        ...stepProperties(matrix),
        uses: { const: model.id, description: model.title },
        with: { $ref: `#/definitions/${escapePointer(model.id)}` },
      },
    };
  });
  // No `discriminator`: it is an OpenAPI keyword that strict JSON Schema tools reject. Each branch
  // pins `uses` with `const`, which picks the branch for editors and validators alike.
  // A sub-recipe step is told apart by its `uses` with if/then: as one more `oneOf` branch, an editor
  // would report a misplaced `retries` on it as "uses must be local/trim | …", from the closest model.
  const step: JsonSchema = {
    type: 'object',
    required: ['uses'],
    properties: { uses: { anyOf: [{ enum: models.map((m) => m.id) }, { type: 'string', pattern: SUB_RECIPE_PATTERN }] } },
    if: { properties: { uses: { type: 'string', pattern: SUB_RECIPE_PATTERN } } },
    then: subRecipeStepSchema(),
    else: { oneOf: branches },
  };
  return publishable({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${SCHEMA_BASE}/recipe.schema.json`,
    title: 'vidrecipe recipe',
    ...recipeSkeletonSchema(step, ref),
    definitions,
  });
}

/**
 * A step whose `uses` is another recipe: `with` fills that recipe's inputs (checked by the CLI, which
 * reads the file), and the options about running one model call stay on that recipe's own steps.
 */
function subRecipeStepSchema(): JsonSchema {
  const { backend: _b, retries: _r, timeout: _t, cache: _c, ...properties } = stepProperties();
  return {
    type: 'object',
    additionalProperties: false,
    required: ['uses'],
    properties: {
      ...properties,
      uses: { type: 'string', pattern: SUB_RECIPE_PATTERN, description: 'Another recipe, relative to this one: its steps run as this step.' },
      with: { type: 'object', description: "The other recipe's inputs." },
    },
  };
}

/** One model's parameters, standalone, as published under schemas/models/. */
export function modelSchemaDocument(model: AnyModel): JsonSchema {
  return publishable({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `${SCHEMA_BASE}/models/${model.id}.schema.json`,
    title: model.title,
    description: model.summary,
    ...paramsSchema(model),
  });
}

/** Keywords whose value is a map of names to subschemas: the names are data, not keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
/** Keywords whose value is data (a literal), never a subschema. */
const LITERALS = new Set(['default', 'const', 'enum', 'examples', 'required']);
const OURS = new Set<string>(CUSTOM_KEYWORDS);

/** A copy without our own keywords: what users' tools read is standard JSON Schema (ajv strict, editors). */
export function publishable(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (OURS.has(key)) continue;
    if (LITERALS.has(key) || value === null || typeof value !== 'object') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.map((v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? publishable(v as JsonSchema) : v));
    else if (SCHEMA_MAPS.has(key)) out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, sub]) => [name, sub && typeof sub === 'object' && !Array.isArray(sub) ? publishable(sub as JsonSchema) : sub]));
    else out[key] = publishable(value as JsonSchema);
  }
  return out;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
