// Written into dist/ by scripts/compile-validators.js at build time; see precompiled.ts.
import type { ValidateFunction } from 'ajv';
import type { ParamShape } from './schema.js';

export declare const skeleton: ValidateFunction;
export declare const params: Readonly<Record<string, ValidateFunction>>;
export declare const shapes: Readonly<Record<string, Readonly<Record<string, ParamShape>>>>;
