import type { z } from 'zod';
import type { RuleName } from './diagnostic-rules.js';

/** Where a step runs. A remote model's default backend is its provider. */
export type Backend = 'wavespeed' | 'dashscope' | 'local';
export const BACKENDS: readonly Backend[] = ['wavespeed', 'dashscope', 'local'];

/** The kinds of value that flow between steps and recipe inputs. */
export type MediaKind = 'video' | 'image';
export type ValueKind = MediaKind | 'string' | 'number' | 'boolean';

/** A problem a cross-field rule found, relative to the step's `with` map. */
export interface ParamIssue {
  /** Path inside `with`, e.g. `['obj_or_bg']` or `['ref_images_url', 2]`. Empty = the `with` map itself. */
  path: (string | number)[];
  message: string;
  /** Shown in brackets after the message; one of the closed list in diagnostic-rules.ts. */
  rule: RuleName;
  severity?: 'error' | 'warning';
}

/**
 * Parameters as a rule sees them: literal values as written, and every `${{ }}` expression as the
 * {@link UNKNOWN} marker, because its value is only known at run time. Rules must treat UNKNOWN as
 * "present, value unknown" and skip checks that need the value.
 */
export type RuleParams = Readonly<Record<string, unknown>>;
export const UNKNOWN: unique symbol = Symbol('vidrecipe.unknown');

export interface CrossFieldRule {
  /** What the rule enforces, in the words of the provider's docs; listed by `vidrecipe models ID`. */
  description: string;
  check(params: RuleParams): ParamIssue[];
}

/** An estimate of what one call costs, with the assumption it rests on. */
export interface PriceEstimate {
  usd: number;
  /** Human-readable pricing assumption, e.g. "$0.10 per output second × 5 s". */
  basis: string;
}

/**
 * A choice the local implementation makes that the hosted model has no parameter for, with its value: shown
 * by `vidrecipe models ID` and in docs/models.md, and read by the implementation, so the two cannot disagree.
 */
export interface LocalSetting {
  name: string;
  value: number;
  unit?: string;
  description: string;
}

/** What a local implementation of a remote model cannot honour, and when it cannot run at all. */
export interface LocalSupport {
  /** Parameters accepted but ignored by the local implementation. */
  ignores: readonly string[];
  /** The local implementation's own settings, by name. */
  settings?: readonly LocalSetting[];
  /** Why these params cannot run locally, or undefined when they can. */
  refuse?(params: RuleParams): string | undefined;
}

/** What a provider accepts for one media parameter (documented limits; checked before anything is paid for). */
export interface MediaLimit {
  /** Only an MP4 container is accepted. */
  mp4?: boolean;
  maxSeconds?: number;
  minFps?: number;
  maxBytes?: number;
  /** Width and height each at least / at most this many pixels. */
  minSide?: number;
  maxSide?: number;
}

/** A provider's input limits, per parameter and across parameters. */
export interface InputLimits {
  params: Readonly<Record<string, MediaLimit>>;
  /** [a, b]: b must have a's width and height (and frame count, when both are videos): a mask and its video. */
  sameShape?: readonly (readonly [string, string])[];
  /** These clips together must not be longer than `maxSeconds`. */
  together?: { params: readonly string[]; maxSeconds: number };
}

export interface ModelDef<P extends z.ZodObject = z.ZodObject> {
  /** Catalog id used in `uses:`. */
  id: string;
  /** The provider that hosts the model; `local` for glue steps. */
  provider: Backend;
  title: string;
  summary: string;
  /** Bump when the meaning of a parameter or the output changes, so cached results are not reused. */
  specVersion: number;
  /** Where the parameter table comes from. */
  source?: string;
  /** Parameters under the provider's own documented names. The single source of truth. */
  params: P;
  /** Named outputs and their kinds. */
  outputs: Readonly<Record<string, MediaKind>>;
  rules: readonly CrossFieldRule[];
  /** The price table in words, for `vidrecipe models ID` and the docs. */
  pricing: string;
  price(params: z.output<P>): PriceEstimate;
  /** What the hosted model accepts; checked on the provider's backend only (local steps take anything ffmpeg reads). */
  limits?: InputLimits;
  /** Present when `--offline` / `backend: local` can run this model with a classical algorithm. */
  local?: LocalSupport;
}

/** Any model, whatever its parameter shape. */
export type AnyModel = ModelDef<z.ZodObject>;
