import type { AnyModel, Backend, ValueKind } from '../models/types.js';
import type { RuleName } from '../models/diagnostic-rules.js';
import type { RecipeSource } from './source.js';

export type Severity = 'error' | 'warning';

/** One finding about a recipe, anchored at the node it is about. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** End of the offending node: the position just after its last character. */
  endLine: number;
  endCol: number;
  severity: Severity;
  /** Short kebab-case name of the check, e.g. `unknown-parameter`. */
  rule: RuleName;
  message: string;
  /** Dotted path of the node in the recipe, e.g. `steps.remove.with.num_frames`. */
  path: string;
}

/** A `${{ … }}` reference, as parsed. */
export type Reference =
  | { context: 'inputs'; name: string }
  | { context: 'steps'; step: string; output: string }
  /** `${{ matrix.AXIS }}`, or `${{ matrix.AXIS.COLUMN }}` when the axis runs over the rows of a table. */
  | { context: 'matrix'; axis: string; column?: string };

/** A reference found in a recipe value, with where it was written. */
export interface ReferenceSite {
  ref: Reference;
  /** Path of the value holding it, e.g. `['steps', 'widen', 'with', 'video_url']`. */
  at: (string | number)[];
  /** The whole value is this one expression (keeps the referenced type) rather than interpolated text. */
  whole: boolean;
}

/** The types an input can declare: one value, a list of values, or the rows of a table file. */
export type InputType = ValueKind | 'list' | 'table';

export type Scalar = string | number | boolean;

export interface InputDecl {
  type: InputType;
  /** `type: list`: the kind of every item. */
  of?: ValueKind;
  /** `type: table`: each column's name and kind, in the order declared. */
  columns?: Record<string, ValueKind>;
  /** A table's default is the path of its file (CSV, JSONL or YAML), relative to the recipe; a list's is a list. */
  default?: Scalar | Scalar[];
  description?: string;
}

/** Where the values of one matrix axis come from. */
export type AxisSource =
  /** Written in the recipe: `look: [dawn, dusk]`. Strings may be media paths, relative to the recipe. */
  | { from: 'list'; values: Scalar[] }
  /** A `type: list` or `type: table` input: `shot: ${{ inputs.shots }}`. */
  | { from: 'input'; input: string }
  /** `${{ files('clips/*.mp4') }}`: the matching files, relative to the recipe, sorted. */
  | { from: 'files'; glob: string };

/** A step's `matrix:`: named axes whose cartesian product, with `include` and `exclude`, gives the legs. */
export interface Matrix {
  /** In the order written; the first axis varies slowest in leg order. */
  axes: Record<string, AxisSource>;
  /**
   * GitHub Actions' semantics: an entry whose axis values match existing legs adds its extra keys to them;
   * one that matches none adds a leg. Values are as written (a table axis is matched by its row label).
   */
  include: Record<string, Scalar>[];
  /** Legs whose values match every key of an entry are removed (before `include` is applied). */
  exclude: Record<string, Scalar>[];
}

export interface Step {
  id: string;
  uses: string;
  model: AnyModel;
  /** The recipe this step is written in: media paths in `with` resolve against its directory. */
  file: string;
  /** `matrix:`, when the step runs once per leg. */
  matrix?: Matrix;
  /** `max-parallel`: at most this many legs of the step at once (their backend's limits apply too). */
  maxParallel?: number;
  /** `fail-fast`: a failed leg cancels the step's other legs. False by default: the others finish. */
  failFast: boolean;
  /** Parameters as written; expressions are still strings here. */
  with: Record<string, unknown>;
  /** Explicit ordering from `needs`, without the dependencies that references imply. */
  needs: string[];
  /** Milliseconds. */
  timeoutMs?: number;
  retries: number;
  cache: boolean;
  /** Backend forced by the step (`backend: local`), if any. */
  backend?: Backend;
  refs: ReferenceSite[];
}

/**
 * A step whose `uses` names another recipe file (`uses: ./cleanup.yaml`): `with` fills that recipe's
 * inputs and its outputs are this step's. The plan expands it into the other recipe's steps.
 */
export interface SubRecipeStep extends Omit<Step, 'model' | 'backend' | 'cache' | 'retries' | 'timeoutMs'> {
  /** The other recipe, loaded and valid (its own problems are reported at its own file and line). */
  recipe: Recipe;
  /** Its text, for diagnostics found later (a media file, an input value) at its own lines. */
  source: RecipeSource;
}

/** A step as written in a recipe: a model call, or a whole other recipe. */
export type RecipeStep = Step | SubRecipeStep;

export function isSubRecipe(step: RecipeStep): step is SubRecipeStep {
  return 'recipe' in step;
}

/** A recipe that passed validation: every reference resolves and every step has a model. */
export interface Recipe {
  /** The path as the user gave it; used in messages. */
  file: string;
  /** Absolute directory of the recipe file; media paths resolve against it. */
  dir: string;
  version: 1;
  name: string;
  description?: string;
  inputs: Record<string, InputDecl>;
  /** In file order. */
  steps: Map<string, RecipeStep>;
  outputs: Record<string, ReferenceSite>;
}

export interface LoadResult {
  /** Present when there was no error (warnings allowed). */
  recipe?: Recipe;
  diagnostics: Diagnostic[];
  /** The parsed file, for later stages that report against it; absent when it could not be read. */
  source?: RecipeSource;
  /** All problems found, when `diagnostics` lists only the first of many (see recipe/cap.ts). */
  totals?: { errors: number; warnings: number };
  /**
   * The sub-recipes read (`uses: ./other.yaml`), by the file name their diagnostics carry: their lines
   * are printed under those diagnostics like the recipe's own.
   */
  sources?: Map<string, RecipeSource>;
}
