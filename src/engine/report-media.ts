import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { previewInfo, writeAnimation, writePlayable, writePosterAndStrip, type PreviewInfo } from '../media/preview.js';
import { writeFileAtomic } from './atomic.js';

/** What the report shows of one media file; paths are relative to the run folder. */
export interface MediaView {
  /** A copy the browser plays (H.264 MP4), for videos. */
  video?: string;
  /** The picture itself, for images. */
  image?: string;
  poster?: string;
  strip?: string;
  animation?: string;
  /** The file itself under its extension, for a leg shown by its poster alone (no playable copy made). */
  file?: string;
  width?: number;
  height?: number;
}

/** What to make of a file beside its poster. */
export interface MediaWants {
  strip?: boolean;
  video?: boolean;
  animation?: boolean;
  /** Link the file itself (`<digest>.source.<ext>`): costs no ffmpeg, unlike a playable copy. */
  file?: { ext: string };
}

/** `previews/<digest>/meta.json`: what was made of a blob, so a later report reuses it. */
interface PreviewMeta {
  kind: PreviewInfo['kind'];
  width: number;
  height: number;
  /** The blob plays in a browser as it is: no copy was made. */
  playable?: boolean;
  poster?: string;
  strip?: string;
  video?: string;
  animation?: string;
}

/** ffmpeg jobs at a time: previews of a big run in a fraction of the time, without taking the machine. */
const PARALLEL = 3;

/**
 * Posters, frame strips, playable copies and animated previews of a run's media, made once per content
 * digest under `previews/` in the state dir and linked into the run folder: a report of a cached run
 * makes nothing new, and one clip shown by many runs is stored once.
 */
export class ReportMedia {
  private readonly chains = new Map<string, Promise<PreviewMeta | undefined>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly previewsDir: string,
    private readonly runDir: string,
    /** False after Ctrl-C: the report shows previews that exist and makes none, so stopping stays quick. */
    private readonly makeNew = true,
  ) {}

  /** The views of `file` (whose content digest is `digest`); pieces that could not be made are absent. */
  async view(digest: string, file: string, wants: MediaWants): Promise<MediaView> {
    const meta = await this.meta(digest, file, wants);
    if (!meta) return {};
    const dir = join(this.previewsDir, digest);
    const short = digest.slice(0, 16);
    const view: MediaView = { width: meta.width, height: meta.height };
    if (meta.poster) view.poster = this.link(join(dir, meta.poster), `${short}.poster.png`);
    if (wants.strip && meta.strip) view.strip = this.link(join(dir, meta.strip), `${short}.strip.png`);
    if (wants.animation && meta.animation) view.animation = this.link(join(dir, meta.animation), `${short}.${meta.animation}`);
    if (meta.kind === 'image' && view.poster) view.image = view.poster;
    // Not `<digest>.mp4`: that name is the playable copy's, which may differ from the file.
    if (wants.file) view.file = this.link(file, `${short}.source${/^\.[a-z0-9]{1,5}$/.test(wants.file.ext) ? wants.file.ext : ''}`);
    if (wants.video && meta.kind === 'video') {
      if (meta.playable) view.video = this.link(file, `${short}.mp4`);
      else if (meta.video) view.video = this.link(join(dir, meta.video), `${short}.mp4`);
    }
    for (const key of Object.keys(view) as (keyof MediaView)[]) if (view[key] === undefined) delete view[key];
    return view;
  }

  /** Links a made file under another name into the run folder (`posters/<output>.png`). */
  alias(relativeFile: string, name: string): string | undefined {
    return this.link(join(this.runDir, relativeFile), name, 'posters');
  }

  /** One digest's pieces are made one request at a time (they share files); different digests in parallel. */
  private meta(digest: string, file: string, wants: MediaWants): Promise<PreviewMeta | undefined> {
    const previous = this.chains.get(digest) ?? Promise.resolve(undefined);
    const next = previous.then((have) => this.slot(() => this.make(digest, file, wants, have)));
    this.chains.set(digest, next);
    return next;
  }

  private async make(digest: string, file: string, wants: MediaWants, have?: PreviewMeta): Promise<PreviewMeta | undefined> {
    const dir = join(this.previewsDir, digest);
    const metaFile = join(dir, 'meta.json');
    let meta = have ?? readMeta(metaFile);
    // A piece deleted by hand (or by a cleanup) is made again rather than linked from nothing.
    if (meta) for (const field of PIECES) if (meta[field] && !existsSync(join(dir, meta[field]))) delete meta[field];
    const complete = (m: PreviewMeta) => m.poster && (m.kind === 'image' || ((!wants.strip || m.strip) && (!wants.video || m.playable || m.video) && (!wants.animation || m.animation)));
    if (meta && complete(meta) && existsSync(join(dir, meta.poster!))) return meta;
    if (!this.makeNew) return meta;
    let info: PreviewInfo;
    try {
      info = await previewInfo(file);
    } catch {
      return meta;
    }
    mkdirSync(dir, { recursive: true });
    meta = { ...(meta ?? {}), kind: info.kind, width: info.width, height: info.height };
    const tryTo = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch {
        // A preview is a convenience: the report is written without the piece that failed.
      }
    };
    if (!meta.poster || (wants.strip && info.kind === 'video' && !meta.strip)) {
      const strip = wants.strip && info.kind === 'video';
      await tryTo(async () => {
        await writePosterAndStrip(file, info, { poster: join(dir, 'poster.png'), strip: strip ? join(dir, 'strip.png') : undefined });
        meta!.poster = 'poster.png';
        if (strip) meta!.strip = 'strip.png';
      });
    }
    if (wants.video && info.kind === 'video' && !meta.playable && !meta.video) {
      await tryTo(async () => {
        if (info.playable) meta!.playable = true;
        else {
          await writePlayable(file, info, join(dir, 'video.mp4'));
          meta!.video = 'video.mp4';
        }
      });
    }
    if (wants.animation && info.kind === 'video' && !meta.animation) {
      await tryTo(async () => {
        const written = await writeAnimation(file, info, join(dir, 'preview'));
        if (written) meta!.animation = written.slice(dir.length + 1);
      });
    }
    writeFileAtomic(metaFile, JSON.stringify(meta));
    return meta;
  }

  /** The run folder's name for `from`, or undefined when it cannot be put there (the report goes on without it). */
  private link(from: string, name: string, folder = 'media'): string | undefined {
    const dir = join(this.runDir, folder);
    const to = join(dir, name);
    try {
      mkdirSync(dir, { recursive: true });
      if (!existsSync(to)) {
        try {
          linkSync(from, to);
        } catch {
          // Another file system (or one without hard links): a copy.
          rmSync(to, { force: true });
          copyFileSync(from, to);
        }
      }
    } catch {
      return undefined;
    }
    return relative(this.runDir, to);
  }

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= PARALLEL) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

const PIECES = ['poster', 'strip', 'video', 'animation'] as const;
const PIECE = /^(poster\.png|strip\.png|video\.mp4|preview\.(webp|gif))$/;

function readMeta(file: string): PreviewMeta | undefined {
  try {
    const meta = JSON.parse(readFileSync(file, 'utf8')) as PreviewMeta;
    if (!meta || (meta.kind !== 'video' && meta.kind !== 'image')) return undefined;
    // Only names this module writes: a state dir from elsewhere must not make the report link other files.
    for (const field of PIECES) if (meta[field] !== undefined && !PIECE.test(meta[field])) delete meta[field];
    return meta;
  } catch {
    return undefined;
  }
}
