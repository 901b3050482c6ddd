import { basename } from 'node:path';
import { checkInputLimits } from '../media/limits.js';
import { abortable } from './abortable.js';
import { mediaValues } from '../models/param.js';
import type { AnyModel } from '../models/types.js';
import { PermanentError, type ExecContext, type KnownUrl } from './types.js';

/** How one provider takes media: which known URLs it can fetch, and how a local file gets there. */
export interface MediaRoute {
  /** Who the uploads are for: steps with the same scope share an upload of the same content. */
  scope: string;
  usable(url: KnownUrl): boolean;
  upload(file: string, signal: AbortSignal): Promise<KnownUrl>;
}

interface SharedUpload {
  done: Promise<KnownUrl>;
  controller: AbortController;
  waiting: number;
}

/**
 * Uploads under way, by scope and content: steps that start together share one upload of the same file.
 * It runs under a signal of its own, stopped only when every step waiting for it has given up, so one
 * step's timeout does not fail the others.
 */
const inFlight = new Map<string, SharedUpload>();

/**
 * The step's parameters with every media file replaced by a URL the provider can fetch: one it already
 * has (the recipe's own URL, an earlier upload or task output still valid), else a fresh upload, which
 * is remembered for later steps and runs. The provider's documented limits are checked first, so a
 * file it would refuse is never uploaded (the plan checked the files it could see; this checks the rest).
 */
export async function mediaAsUrls(model: AnyModel, ctx: ExecContext, route: MediaRoute): Promise<Record<string, unknown>> {
  const files = mediaValues(model.params, ctx.params);
  if (model.limits) {
    const problems = await checkInputLimits(model.limits, files, ctx.signal);
    if (problems.length) throw new PermanentError(`the provider would refuse this input: ${problems.map((p) => p.message).join('; ')}`);
  }
  const urlOf = async (file: string): Promise<string> => ctx.knownUrl(file, route.usable) ?? (await shared(route, file, ctx)).url;
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

async function shared(route: MediaRoute, file: string, ctx: ExecContext): Promise<KnownUrl> {
  const key = `${route.scope}\0${ctx.digestOf(file) ?? file}`;
  let upload = inFlight.get(key);
  if (!upload) {
    const controller = new AbortController();
    ctx.progress({ state: 'uploading', message: basename(file) });
    const done = route.upload(file, controller.signal).then((uploaded) => {
      ctx.rememberUrl(file, uploaded);
      return uploaded;
    });
    const entry: SharedUpload = { done, controller, waiting: 0 };
    const forget = () => inFlight.get(key) === entry && inFlight.delete(key);
    done.then(forget, forget);
    inFlight.set(key, (upload = entry));
  }
  const entry = upload;
  entry.waiting++;
  try {
    return await abortable(entry.done, ctx.signal);
  } finally {
    if (--entry.waiting === 0 && ctx.signal.aborted) entry.controller.abort(ctx.signal.reason);
  }
}
