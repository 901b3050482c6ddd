import { join } from 'node:path';
import { runFfmpeg } from '../../media/ffmpeg.js';
import { AAC_OUTPUT, H264_OUTPUT, even } from '../../media/h264.js';
import { probe } from '../../media/probe.js';
import { concat as concatModel } from '../../models/local/concat.js';
import { localExecutor } from '../types.js';
import { ffmpegProgress } from './progress.js';

/**
 * Joins the videos in order, in the first one's size and frame rate (the others are scaled to fit and padded,
 * keeping their aspect ratio).
 *
 * Every input is re-encoded through the concat filter, even when they all match: the clips come from
 * different providers and encoders, and the concat demuxer's stream copy needs identical codec parameters
 * and still drifts by a frame at each join when the inputs carry edit lists.
 *
 * Audio: when no input has any, neither does the output; when some have it, the others contribute silence of
 * their length. Dropping it instead would silently lose the original footage's sound as soon as one AI clip
 * (these never have audio) is appended, and silence keeps every clip's sound in sync with its picture.
 */
export const concat = localExecutor(concatModel, async (ctx) => {
  const { videos } = ctx.params;
  const infos = await Promise.all(videos.map((file) => probe(file, { signal: ctx.signal })));
  const first = infos[0]!;
  const width = even(first.width);
  const height = even(first.height);
  const fps = first.fps || 25;
  const withAudio = infos.some((info) => info.hasAudio);

  const chains: string[] = [];
  const segments: string[] = [];
  infos.forEach((info, i) => {
    chains.push(
      `[${i}:v:0]setpts=PTS-STARTPTS,scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
        `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${i}]`,
    );
    segments.push(`[v${i}]`);
    if (!withAudio) return;
    // Each clip's sound is cut or padded to its picture's length, so later clips stay in sync.
    const source = info.hasAudio ? `[${i}:a:0]asetpts=PTS-STARTPTS,aresample=48000,` : 'anullsrc=r=48000:cl=stereo,';
    chains.push(`${source}aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration=${info.duration.toFixed(6)}[a${i}]`);
    segments.push(`[a${i}]`);
  });
  const graph = [...chains, `${segments.join('')}concat=n=${infos.length}:v=1:a=${withAudio ? 1 : 0}[v]${withAudio ? '[a]' : ''}`].join(';');

  const out = join(ctx.workDir, 'video.mp4');
  await runFfmpeg(
    [
      ...videos.flatMap((file) => ['-i', file]),
      '-filter_complex', graph,
      '-map', '[v]', ...(withAudio ? ['-map', '[a]', ...AAC_OUTPUT] : ['-an']),
      ...H264_OUTPUT, out,
    ],
    {
      signal: ctx.signal,
      file: videos.join(', '),
      expectedSec: infos.reduce((sum, info) => sum + info.duration, 0),
      onProgress: ffmpegProgress(ctx),
    },
  );
  return { outputs: { video: out } };
});
