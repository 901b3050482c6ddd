import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media/types.js';
import { extractFrame as model } from '../../src/models/local/extract-frame.js';
import { localExecutors } from '../../src/providers/local/index.js';
import { execContext, frameIndices, makeNumberedClip, makeTmpDir, makeWorkDir, probeFile, removeDir } from '../support/media.js';

let dir: string;
let numbered: string;
beforeAll(async () => {
  dir = await makeTmpDir();
  numbered = await makeNumberedClip(join(dir, 'numbered.mp4'), { fps: 10, frames: 17 });
});
afterAll(() => removeDir(dir));

async function extract(params: Record<string, unknown>): Promise<string> {
  const test = execContext(await makeWorkDir(dir), model.params.parse({ video: numbered, ...params }));
  const result = await localExecutors['local/extract-frame']!.run(test.ctx);
  expect(Object.keys(result.outputs)).toEqual(['image']);
  return result.outputs.image!;
}

describe('local/extract-frame', () => {
  it('saves the first frame by default as image.png', async () => {
    const image = await extract({});
    expect(image.endsWith('image.png')).toBe(true);
    expect(await probeFile(image)).toMatchObject({ codec: 'png', width: 64, height: 48 });
    expect(await frameIndices(image)).toEqual([0]);
  });

  it('saves the last frame', async () => {
    expect(await frameIndices(await extract({ at: 'last' }))).toEqual([16]);
  });

  it('saves the frame at a time', async () => {
    expect(await frameIndices(await extract({ at: 0.8 }))).toEqual([8]);
  });

  it('refuses a time past the end with the real duration', async () => {
    const error = await extract({ at: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toMatch(/numbered\.mp4: the video is only 1\.700 s long/);
  });
});
