import { z } from 'zod';
import type { MediaKind } from './types.js';

/**
 * JSON Schema keywords of our own, carried from Zod metadata into the generated schemas.
 * `x-media` marks a parameter that takes a video or an image (a path, a URL or a reference), so the
 * recipe checker can type `${{ }}` references and the engine knows what to upload or download.
 * `x-half` says in which half of a DashScope body (`input` or `parameters`) a field travels.
 */
export const MEDIA_KEYWORD = 'x-media';
export const HALF_KEYWORD = 'x-half';
export type BodyHalf = 'input' | 'parameters';

/** A media parameter: a path relative to the recipe, an http(s) URL, or a reference. */
export function media(kind: MediaKind, description: string) {
  return z.string().min(1).meta({ [MEDIA_KEYWORD]: kind, description });
}

/** Marks where a DashScope field travels in the request body. */
export function half<T extends z.ZodType>(where: BodyHalf, schema: T): T {
  return schema.meta({ ...schema.meta(), [HALF_KEYWORD]: where }) as T;
}

/** Is a value present (written as a literal or as an expression)? */
export function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** What a provider client needs to know about one parameter: is it media (one or a list), and where it travels. */
export interface FieldInfo {
  media?: MediaKind;
  list: boolean;
  half?: BodyHalf;
}

const fieldsCache = new WeakMap<z.ZodObject, ReadonlyMap<string, FieldInfo>>();

/** Reads our metadata through Zod's wrappers (optional, default, array) of each parameter. */
export function fieldInfo(params: z.ZodObject): ReadonlyMap<string, FieldInfo> {
  let fields = fieldsCache.get(params);
  if (!fields) {
    const map = new Map<string, FieldInfo>();
    for (const [name, schema] of Object.entries(params.shape)) {
      const info: FieldInfo = { list: false };
      let current: z.ZodType | undefined = schema as z.ZodType;
      while (current) {
        const meta = current.meta();
        info.media ??= meta?.[MEDIA_KEYWORD] as MediaKind | undefined;
        info.half ??= meta?.[HALF_KEYWORD] as BodyHalf | undefined;
        const def = current.def as { type: string; innerType?: z.ZodType; element?: z.ZodType };
        if (def.type === 'array') info.list = true;
        current = def.innerType ?? def.element;
      }
      map.set(name, info);
    }
    fields = map;
    fieldsCache.set(params, fields);
  }
  return fields;
}

/** The media values among a step's parameters (a path or URL, or a list of them for a list parameter), by name. */
export function mediaValues(params: z.ZodObject, values: Readonly<Record<string, unknown>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, info] of fieldInfo(params)) {
    if (info.media && values[name] !== undefined) out[name] = values[name] as string | string[];
  }
  return out;
}
