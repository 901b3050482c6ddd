import type { AnyModel } from '../../models/types.js';
import { mediaKindOf, paramShapes } from '../../recipe/schema.js';
import { mediaExt } from '../media-files.js';
import type { BlobRef } from './queues.js';

/** What a coordinator knows of a resolved media value: its digest, and the URL it was downloaded from. */
export interface LocalMedia {
  digestOf(path: string): string | undefined;
  originOf(path: string): string | undefined;
}

/**
 * A step's resolved parameters as a job carries them to another machine: each media value (a local
 * path here) becomes the digest of its blob in the shared cache. Which values are media comes from the
 * model's parameter shapes, the one place that says so.
 */
export function toJobParams(model: AnyModel, params: Readonly<Record<string, unknown>>, media: LocalMedia): { params: Record<string, unknown>; blobs: Map<string, string> } {
  const out: Record<string, unknown> = { ...params };
  /** Digest → a local file with those bytes (a recipe's file where it is, or a blob of the store). */
  const blobs = new Map<string, string>();
  const ref = (path: unknown): BlobRef => {
    const digest = typeof path === 'string' ? media.digestOf(path) : undefined;
    if (!digest) throw new Error(`internal: media value ${JSON.stringify(path)} of ${model.id} has no known digest`);
    blobs.set(digest, path as string);
    const origin = media.originOf(path as string);
    return { blob: digest, ext: mediaExt(path as string), ...(origin ? { origin } : {}) };
  };
  for (const [name, shape] of paramShapes(model)) {
    const value = params[name];
    if (value === undefined || !mediaKindOf(shape)) continue;
    out[name] = Array.isArray(value) ? value.map(ref) : ref(value);
  }
  return { params: out, blobs };
}

/** The job's parameters back as local paths, each blob placed by `place` (fetched from the shared cache). */
export async function fromJobParams(model: AnyModel, params: Readonly<Record<string, unknown>>, place: (ref: BlobRef) => Promise<string>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { ...params };
  for (const [name, shape] of paramShapes(model)) {
    const value = params[name];
    if (value === undefined || !mediaKindOf(shape)) continue;
    out[name] = Array.isArray(value) ? await Promise.all(value.map((v) => place(asRef(v)))) : await place(asRef(value));
  }
  return out;
}

function asRef(value: unknown): BlobRef {
  const v = value as Partial<BlobRef> | null;
  if (typeof v?.blob !== 'string' || !/^[0-9a-f]{64}$/.test(v.blob) || typeof v.ext !== 'string') throw new Error(`a media value of the job is not a blob reference: ${JSON.stringify(value)}`);
  return { blob: v.blob, ext: v.ext, ...(typeof v.origin === 'string' ? { origin: v.origin } : {}) };
}
