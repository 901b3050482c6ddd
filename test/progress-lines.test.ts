import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../src/engine/journal.js';
import { startCli, waitFor } from './support/cli.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

let dir: string;

/** A quick step, a long one, and two that wait on the long one: Ctrl-C leaves one cancelled and two skipped. */
const RECIPE = `version: 1
name: lines
inputs:
  clip: { type: video, default: clip.mp4 }
  long: { type: video, default: long.mp4 }
steps:
  first:
    uses: local/trim
    with: { video: "\${{ inputs.clip }}", duration: 0.5 }
  big:
    uses: local/transcode
    with: { video: "\${{ inputs.long }}", width: 1280, height: 960, fit: stretch }
  after:
    uses: local/concat
    with: { videos: ["\${{ steps.first.outputs.video }}", "\${{ steps.big.outputs.video }}"] }
  still:
    uses: local/extract-frame
    with: { video: "\${{ steps.after.outputs.video }}", at: last }
`;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-progress-');
  await makeClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, duration: 1 });
  await makeClip(join(dir, 'long.mp4'), { width: 320, height: 240, fps: 30, duration: 20 });
  writeFileSync(join(dir, 'lines.yaml'), RECIPE);
}, 60_000);

afterAll(() => removeDir(dir));

describe('progress without a terminal (plain lines)', () => {
  it('a running step carries its elapsed time; a cancelled or skipped step is one line', async () => {
    const child = startCli(['run', 'lines.yaml', '--no-cache'], { cwd: dir });
    // Lines come per quarter of progress; the one after the first quarter is well past a second in.
    await waitFor(() => (/^\d\d:\d\d:\d\d big +running \d+ % +[\d.]+ s$/m.test(child.output.stderr) ? true : undefined), 60_000, 'a running line with its elapsed time');
    const runs = join(dir, '.vidrecipe', 'runs');
    await waitFor(() => (existsSync(runs) && readdirSync(runs).length ? true : undefined), 20_000, 'the journal');
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
    const lines = child.output.stderr.split('\n');
    const finalLines = (id: string, word: string) => lines.filter((l) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${id} +${word}\\b`).test(l));
    expect(finalLines('big', 'cancelled')).toHaveLength(1);
    expect(finalLines('after', 'skipped')).toHaveLength(1);
    expect(finalLines('still', 'skipped')).toHaveLength(1);
    // and nothing about a step once it has ended
    const bigEnd = lines.findIndex((l) => / big +cancelled/.test(l));
    expect(lines.slice(bigEnd + 1).filter((l) => / big +/.test(l))).toEqual([]);
    const journal = readJournal(join(runs, readdirSync(runs).sort().at(-1)!, 'journal.jsonl'));
    expect(journal.filter((l) => l.event === 'step-skipped').map((l) => (l as { step: string }).step).sort()).toEqual(['after', 'still']);
  });
});
