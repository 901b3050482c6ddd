import type { ValidateFunction } from 'ajv';
import { findModel } from '../models/catalog.js';
import { seedParamShapes, type ParamShape } from './schema.js';

/**
 * Validators compiled at build time (ajv standalone code, written by scripts/compile-validators.js
 * into dist/): `validate` then neither loads ajv nor compiles a schema, which was most of its start-up.
 * When the file is missing (running from the sources, as the tests do) the checker compiles at run time,
 * from the same schemas.
 */
export interface Precompiled {
  skeleton: ValidateFunction;
  /** Model id → its `with` validator. */
  params: Readonly<Record<string, ValidateFunction>>;
  /** Model id → parameter name → what it accepts, for typing references. */
  shapes: Readonly<Record<string, Readonly<Record<string, ParamShape>>>>;
}

export async function loadPrecompiled(): Promise<Precompiled | undefined> {
  try {
    const generated = (await import('./validators.generated.js')) as Precompiled;
    for (const [id, shapes] of Object.entries(generated.shapes)) {
      const model = findModel(id);
      if (model) seedParamShapes(model, shapes);
    }
    return { skeleton: generated.skeleton, params: generated.params, shapes: generated.shapes };
  } catch {
    return undefined;
  }
}
