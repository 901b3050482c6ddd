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
  | { context: 'steps'; step: string; output: string };

/** A reference found in a recipe value, with where it was written. */
export interface ReferenceSite {
  ref: Reference;
  /** Path of the value holding it, e.g. `['steps', 'widen', 'with', 'video_url']`. */
  at: (string | number)[];
  /** The whole value is this one expression (keeps the referenced type) rather than interpolated text. */
  whole: boolean;
}

export interface InputDecl {
  type: ValueKind;
  default?: string | number | boolean;
  description?: string;
}

export interface Step {
  id: string;
  uses: string;
  model: AnyModel;
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
  steps: Map<string, Step>;
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
}
