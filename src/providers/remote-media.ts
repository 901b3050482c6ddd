import { basename } from 'node:path';
import { checkInputLimits } from '../media/limits.js';
import { fieldInfo } from '../models/param.js';
import type { AnyModel } from '../models/types.js';
import { PermanentError, type ExecContext, type KnownUrl } from './types.js';

/** How one provider takes media: which known URLs it can fetch, and how a local file gets there. */
export interface MediaRoute {
  usable(url: KnownUrl): boolean;
  upload(file: string, signal: AbortSignal): Promise<KnownUrl>;
}

/** Uploads under way per route and content: steps that start together share one upload of the same file. */
const inFlight = new WeakMap<MediaRoute, Map<string, Promise<KnownUrl>>>();

/**
 * The step's parameters with every media file replaced by a URL the provider can fetch: one it already
 * has (the recipe's own URL, an earlier upload or task output still valid), else a fresh upload, which
 * is remembered for later steps and runs. The provider's documented limits are checked first, so a
 * file it would refuse is never uploaded (the plan checked the files it could see; this checks the rest).
 */
export async function mediaAsUrls(model: AnyModel, ctx: ExecContext, route: MediaRoute): Promise<Record<string, unknown>> {
  const fields = fieldInfo(model.params);
  const files: Record<string, string | string[]> = {};
  for (const [name, info] of fields) {
    if (info.media && ctx.params[name] !== undefined) files[name] = ctx.params[name] as string | string[];
  }
  if (model.limits) {
    const problems = await checkInputLimits(model.limits, files, ctx.signal);
    if (problems.length) throw new PermanentError(`the provider would refuse this input: ${problems.map((p) => p.message).join('; ')}`);
  }
  const uploads = new Map<string, Promise<string>>();
  const urlOf = (file: string): Promise<string> => {
    let pending = uploads.get(file);
    if (!pending) {
      const known = ctx.knownUrl(file, route.usable);
      pending = known ? Promise.resolve(known) : shared(route, file, ctx).then((u) => u.url);
      uploads.set(file, pending);
    }
    return pending;
  };
  const out: Record<string, unknown> = { ...ctx.params };
  // One at a time: uploads share the provider's bandwidth and its request quota.
  for (const [name, value] of Object.entries(files)) {
    if (typeof value === 'string') out[name] = await urlOf(value);
    else {
      const urls: string[] = [];
      for (const file of value) urls.push(await urlOf(file));
      out[name] = urls;
    }
  }
  return out;
}

/** A URL any provider can fetch (not an upload bound to one provider's model). */
export function isPublic(url: KnownUrl): boolean {
  return !url.scope && /^https?:\/\//i.test(url.url);
}

function shared(route: MediaRoute, file: string, ctx: ExecContext): Promise<KnownUrl> {
  const digest = ctx.digestOf(file) ?? file;
  let uploads = inFlight.get(route);
  if (!uploads) inFlight.set(route, (uploads = new Map()));
  let pending = uploads.get(digest);
  if (!pending) {
    ctx.progress({ state: 'uploading', message: basename(file) });
    pending = route.upload(file, ctx.signal).then((uploaded) => {
      ctx.rememberUrl(file, uploaded);
      return uploaded;
    });
    const settled = () => uploads.delete(digest);
    pending.then(settled, settled);
    uploads.set(digest, pending);
  }
  return pending;
}
