import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeClip, makeTmpDir, removeDir } from './media.js';
import { startTestFleet, type TestFleet } from './test-fleet.mjs';

/** What the fleet tests stand on: the test fleet's services, and a folder with one tiny clip and its mask. */
export interface FleetGround {
  root: string;
  fleet: TestFleet;
  /** A folder of its own for one scenario: the clip and mask, `recipe`, and a config on the fleet followed by `limits` (YAML). */
  workspace(name: string, recipe: string, limits: string): string;
  close(): Promise<void>;
}

export async function openFleetGround(prefix: string): Promise<FleetGround> {
  const root = await makeTmpDir(prefix);
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  await makeClip(join(root, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 1, source: 'color', color: 'white' });
  const fleet = await startTestFleet();
  return {
    root,
    fleet,
    workspace(name, recipe, limits) {
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      for (const f of ['clip.mp4', 'mask.mp4']) copyFileSync(join(root, f), join(dir, f));
      writeFileSync(join(dir, 'recipe.yaml'), recipe);
      writeFileSync(join(dir, 'vidrecipe.config.yaml'), `${fleet.configLines()}${limits}`);
      return dir;
    },
    async close() {
      await fleet.close();
      await removeDir(root);
    },
  };
}
