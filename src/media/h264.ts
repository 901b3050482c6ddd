/**
 * The one output encoding of every local step: MP4, H.264 in yuv420p (what the providers and browsers accept;
 * VACE asks for MP4/H.264), moov atom first so a URL can start playing before it has fully downloaded.
 * CRF 18 is visually lossless, so a chain of local steps does not visibly degrade the picture.
 */
export const H264_OUTPUT: readonly string[] = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

/** Audio, when a step keeps it: AAC is what MP4 players expect. */
export const AAC_OUTPUT: readonly string[] = ['-c:a', 'aac', '-b:a', '160k'];

/** yuv420p stores colour per 2×2 block, so libx264 refuses odd sizes; this rounds down to even (at least 2). */
export function even(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}
