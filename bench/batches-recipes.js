// The recipes of bench/batches.js, shared with its child processes.

/**
 * What leg `i` (0-based) of `legs` keeps of a clip of `legs + 1` frames at `fps`: its first `legs − i` frames.
 * In the chain each leg so drops the last frame of the one before: every leg reads a file no leg has read
 * (re-encoding the same frames over and over soon gives the same bytes, which are probed only once).
 */
export function cutOf(i, legs, fps) {
  return (legs - i) / fps;
}

/** A literal list in flow style, as a person would write it. */
const list = (values) => `[${values.join(', ')}]`;

/** `rows × cols` legs of local/transcode: one per output size, as a 100 × 100 sweep. */
export function sweepRecipe(rows, cols) {
  const sizes = (n) => list(Array.from({ length: n }, (_, i) => 64 + 2 * i));
  return `version: 1
name: sweep
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  size:
    matrix: { width: ${sizes(rows)}, height: ${sizes(cols)} }
    uses: local/transcode
    with: { video: "\${{ inputs.video }}", width: "\${{ matrix.width }}", height: "\${{ matrix.height }}", fit: cover }
`;
}

/**
 * A shot list of `rows` rows (video, mask, prompt), each row a leg of VOID: the batch of the issue. The rows
 * share a few clips, as the shots of one shoot share their camera files: the plan checks each file once.
 */
export function shotListRecipe() {
  return `version: 1
name: shots
inputs:
  shots: { type: table, default: shots.csv, columns: { video: video, mask: video, prompt: string } }
steps:
  remove:
    matrix: { shot: "\${{ inputs.shots }}" }
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: "\${{ matrix.shot.video }}", mask_video: "\${{ matrix.shot.mask }}", prompt: "\${{ matrix.shot.prompt }}" }
`;
}

export function shotList(rows, clips) {
  const lines = ['video,mask,prompt'];
  for (let i = 0; i < rows; i++) lines.push(`clips/shot-${i % clips}.mp4,mask.mp4,remove the mug from shot ${i}`);
  return `${lines.join('\n')}\n`;
}

/** `legs × local/trim` over a literal axis, then `local/concat` of every leg's output (fan-in). */
export function noopBatchRecipe(legs) {
  return `version: 1
name: batch
inputs:
  video: { type: video, default: in.mp4 }
steps:
  cut:
    matrix: { n: ${list(Array.from({ length: legs }, (_, i) => i + 1))} }
    uses: local/trim
    with: { video: "\${{ inputs.video }}", start: 0, duration: "\${{ matrix.n }}" }
  all:
    uses: local/concat
    with: { videos: "\${{ steps.cut.outputs.video }}" }
outputs:
  video: \${{ steps.all.outputs.video }}
`;
}

/** `legs` steps, each trimming the output of the one before (see {@link cutOf}). */
export function chainRecipe(legs, fps) {
  const lines = ['version: 1', 'name: chain', 'inputs:', '  video: { type: video, default: clip.mp4 }', 'steps:'];
  for (let i = 0; i < legs; i++) {
    const video = i === 0 ? '${{ inputs.video }}' : `\${{ steps.s${i - 1}.outputs.video }}`;
    lines.push(`  s${i}:`, '    uses: local/trim', `    with: { video: "${video}", start: 0, duration: ${cutOf(i, legs, fps)} }`);
  }
  lines.push('outputs:', `  video: \${{ steps.s${legs - 1}.outputs.video }}`);
  return `${lines.join('\n')}\n`;
}

/** One matrix step of `legs` legs, each trimming the same clip (see {@link cutOf}). */
export function fanOutRecipe(legs, fps) {
  return `version: 1
name: fan-out
inputs:
  video: { type: video, default: clip.mp4 }
steps:
  cut:
    matrix: { duration: ${list(Array.from({ length: legs }, (_, i) => cutOf(i, legs, fps)))} }
    uses: local/trim
    with: { video: "\${{ inputs.video }}", start: 0, duration: "\${{ matrix.duration }}" }
`;
}

/** `legs` legs of VOID, each with its own prompt (so each is a task), in one matrix step. */
export function remoteBatchRecipe(legs) {
  return `version: 1
name: remote-batch
steps:
  remove:
    matrix: { scene: ${list(Array.from({ length: legs }, (_, i) => i + 1))} }
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: "scene \${{ matrix.scene }}" }
`;
}
