import type { Backend } from '../models/types.js';
import type { AnyModel } from '../models/types.js';
import { dirname, resolve } from 'node:path';
import { OutputSlot } from '../graph/bind.js';
import { mediaKindOf, paramLabel, paramShapes } from '../recipe/schema.js';
import type { Step } from '../recipe/types.js';
import { LOCAL_VERSIONS } from '../providers/local/versions.js';
import { canonicalJson, sha256 } from './hash.js';
import type { MediaFile, MediaFiles } from './media-files.js';

/** A step ready to run: its parameters as the executor gets them, and the key its result is cached under. */
export interface ResolvedStep {
  /** After the model's schema (defaults applied); media values are absolute local paths. */
  params: Record<string, unknown>;
  /** Cache key: sha256 of the canonical JSON of {@link material}. */
  key: string;
  /** What went into the key, kept in the step's cache record so a later plan can say what changed. */
  material: KeyMaterial;
}

/** Everything a step's result depends on, as hashed into its cache key. */
export interface KeyMaterial {
  model: string;
  specVersion: number;
  backend: Backend;
  /**
   * The local implementation's version, on the `local` backend only: a hosted step keys exactly as before
   * versions existed, so bumping one never invalidates a result that was paid for.
   */
  implementation?: number;
  /** After the model's defaults; every media value replaced by `sha256:<digest>` of its content. */
  params: Record<string, unknown>;
}

/** A media value that cannot be read: missing file, failed download … `at` is its path inside `with`. */
export class MediaInputError extends Error {
  override name = 'MediaInputError';
  constructor(
    readonly at: (string | number)[],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Turns every media value of a leg's bound parameters into a hashed local file — an upstream leg's output
 * through `output`, a path (relative to the recipe the step is written in) or a URL through `media` — and
 * derives the cache key.
 */
export async function resolveStep(
  leg: { spec: Step; with: Readonly<Record<string, unknown>> },
  backend: Backend,
  output: (slot: OutputSlot) => MediaFile,
  media: MediaFiles,
  signal?: AbortSignal,
): Promise<ResolvedStep> {
  const step = leg.spec;
  const baseDir = dirname(resolve(step.file));
  const filled: Record<string, unknown> = { ...leg.with };
  const toFile = async (value: unknown, name: string, at: (string | number)[]): Promise<MediaFile> => {
    if (value instanceof OutputSlot) return output(value);
    if (typeof value !== 'string' || !value.trim()) throw new MediaInputError(at, `${name} must be a path, a URL or a reference to a media output; got ${JSON.stringify(value)}`);
    try {
      return await media.resolve(value, baseDir, signal);
    } catch (error) {
      throw new MediaInputError(at, `${name}: ${(error as Error).message}`, { cause: error });
    }
  };
  const digests: Record<string, unknown> = {};
  for (const [name, shape] of paramShapes(step.model)) {
    const value = filled[name];
    if (value === undefined || !mediaKindOf(shape)) continue;
    if (shape.kind !== 'list') {
      const file = await toFile(value, name, [name]);
      filled[name] = file.path;
      digests[name] = `sha256:${file.digest}`;
    } else if (Array.isArray(value)) {
      const files = await Promise.all(value.map((v, i) => toFile(v, paramLabel([name, i]), [name, i])));
      filled[name] = files.map((f) => f.path);
      digests[name] = files.map((f) => `sha256:${f.digest}`);
    }
  }
  const parsed = step.model.params.safeParse(filled);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`parameters do not fit ${step.model.id}: ${issue.path.join('.') || 'with'}: ${issue.message}`);
  }
  const params = parsed.data as Record<string, unknown>;
  const material = keyMaterial(step.model, backend, { ...params, ...digests });
  return { params, key: stepKey(material), material };
}

/** `implementation` defaults to the version in LOCAL_VERSIONS; only the `local` backend uses it. */
export function keyMaterial(model: AnyModel, backend: Backend, keyParams: Record<string, unknown>, implementation = LOCAL_VERSIONS[model.id]): KeyMaterial {
  return { model: model.id, specVersion: model.specVersion, backend, implementation: backend === 'local' ? implementation : undefined, params: keyParams };
}

export function stepKey(material: KeyMaterial): string {
  return sha256(canonicalJson(material));
}
