import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { runFfmpeg } from '../../media/ffmpeg.js';
import { H264_OUTPUT, even } from '../../media/h264.js';
import { probe } from '../../media/probe.js';
import { MediaError, type MediaInfo } from '../../media/types.js';
import { compare as compareModel } from '../../models/local/compare.js';
import { localExecutor, type ExecContext } from '../types.js';
import { ffmpegProgress } from './progress.js';

type CompareParams = z.output<typeof compareModel.params>;
type Layout = CompareParams['layout'];

/**
 * Plays the videos together for review: side by side, stacked, or in a near-square grid. Every video is
 * scaled to the first one's height (hstack), width (vstack) or size (grid cells, fitted and padded), all run
 * at the highest frame rate among them (so no clip loses frames), and a clip that ends early holds its last
 * frame until the longest one ends.
 */
export const compare = localExecutor(compareModel, async (ctx) => {
  const params = ctx.params;
  const infos = await Promise.all(params.videos.map((file) => probe(file, { signal: ctx.signal })));
  const labels = params.labels?.some((label) => label.trim() !== '') ? params.labels : undefined;
  const out = join(ctx.workDir, 'video.mp4');
  if (labels) {
    try {
      await render(ctx, params.videos, infos, params.layout, out, labels);
      return { outputs: { video: out } };
    } catch (error) {
      if (ctx.signal.aborted || !fontMissing(error)) throw error;
      ctx.warn(
        `labels were not drawn: ffmpeg found no font to draw them with (${fontComplaint(error)}); ` +
          'install a font package (e.g. fonts-dejavu-core) so fontconfig finds one',
      );
    }
  }
  await render(ctx, params.videos, infos, params.layout, out);
  return { outputs: { video: out } };
});

function fontMissing(error: unknown): error is MediaError {
  return error instanceof MediaError && /drawtext|font/i.test(error.stderr ?? error.message);
}

/** ffmpeg's own words about the font, skipping fontconfig's chatter about its configuration. */
function fontComplaint(error: MediaError): string {
  const lines = (error.stderr ?? error.message).split('\n').map((line) => line.trim());
  return lines.find((line) => /font/i.test(line) && !/^fontconfig (warning|error)/i.test(line)) ?? lines.find((line) => /drawtext/.test(line)) ?? lines[0] ?? '';
}

async function render(ctx: ExecContext, videos: string[], infos: MediaInfo[], layout: Layout, out: string, labels?: string[]): Promise<void> {
  const first = infos[0]!;
  const fps = Math.max(...infos.map((info) => info.fps || 25));
  const longest = Math.max(...infos.map((info) => info.duration));
  const cell = { width: even(first.width), height: even(first.height) };

  const chains: string[] = [];
  for (const [i, info] of infos.entries()) {
    const filters = ['setpts=PTS-STARTPTS', ...fitFilters(layout, cell), 'setsar=1', `fps=${fps}`, 'format=yuv420p'];
    const hold = longest - info.duration;
    if (hold > 0.5 / fps) filters.push(`tpad=stop_mode=clone:stop_duration=${hold.toFixed(6)}`);
    const label = labels?.[i];
    if (label) {
      // The caption goes through a file: drawtext's text= would need two levels of filtergraph escaping (and
      // expansion=none keeps a literal % from being read as %{...}). The process runs in workDir, so the file
      // name needs no escaping either.
      const name = `label-${i}.txt`;
      await writeFile(join(ctx.workDir, name), label);
      const fontSize = Math.max(12, Math.round(shownHeight(layout, cell, info) / 14));
      filters.push(
        `drawtext=textfile=${name}:expansion=none:fontcolor=white:fontsize=${fontSize}:box=1:boxcolor=black@0.6:boxborderw=4:x=8:y=8`,
      );
    }
    chains.push(`[${i}:v:0]${filters.join(',')}[c${i}]`);
  }
  chains.push(...arrange(layout, infos.length, cell, fps, longest));

  await runFfmpeg(
    [...videos.flatMap((file) => ['-i', file]), '-filter_complex', chains.join(';'), '-map', '[v]', '-an', '-t', longest.toFixed(6), ...H264_OUTPUT, out],
    { signal: ctx.signal, file: videos.join(', '), cwd: ctx.workDir, expectedSec: longest, onProgress: ffmpegProgress(ctx) },
  );
}

function fitFilters(layout: Layout, cell: { width: number; height: number }): string[] {
  switch (layout) {
    case 'hstack':
      return [`scale=-2:${cell.height}`];
    case 'vstack':
      return [`scale=${cell.width}:-2`];
    case 'grid':
      return [
        `scale=${cell.width}:${cell.height}:force_original_aspect_ratio=decrease`,
        `pad=${cell.width}:${cell.height}:(ow-iw)/2:(oh-ih)/2`,
      ];
  }
}

function shownHeight(layout: Layout, cell: { width: number; height: number }, info: MediaInfo): number {
  return layout === 'vstack' ? (cell.width * info.height) / info.width : cell.height;
}

/** The stacking filters, ending in [v]. */
function arrange(layout: Layout, count: number, cell: { width: number; height: number }, fps: number, seconds: number): string[] {
  const inputs = Array.from({ length: count }, (_, i) => `[c${i}]`);
  if (layout === 'hstack') return [`${inputs.join('')}hstack=inputs=${count}[v]`];
  if (layout === 'vstack') return [`${inputs.join('')}vstack=inputs=${count}[v]`];
  // Rows of hstack under one vstack, empty cells black: xstack would be shorter, but this ffmpeg's xstack
  // leaves uncovered areas undefined (it has no fill option yet).
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const chains: string[] = [];
  for (let k = count; k < rows * cols; k++) {
    chains.push(`color=c=black:s=${cell.width}x${cell.height}:r=${fps}:d=${seconds.toFixed(6)},format=yuv420p[c${k}]`);
    inputs.push(`[c${k}]`);
  }
  if (rows === 1) return [...chains, `${inputs.join('')}hstack=inputs=${cols}[v]`];
  for (let r = 0; r < rows; r++) chains.push(`${inputs.slice(r * cols, (r + 1) * cols).join('')}hstack=inputs=${cols}[r${r}]`);
  chains.push(`${Array.from({ length: rows }, (_, r) => `[r${r}]`).join('')}vstack=inputs=${rows}[v]`);
  return chains;
}
