import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyMaterial, stepKey } from '../../src/engine/step-key.js';
import { findModel } from '../../src/models/catalog.js';
import { LOCAL_VERSIONS } from '../../src/providers/local/versions.js';

const VOID = findModel('wavespeed-ai/void-video-inpainting/mask')!;
const TRIM = findModel('local/trim')!;
const PARAMS = { video: `sha256:${'a'.repeat(64)}`, mask_video: `sha256:${'b'.repeat(64)}`, prompt: 'a kitchen', num_frames: 85 };

/** The key as DESIGN.md defines it, written out by hand: what every cache of paid results was stored under. */
function designKey(model: string, specVersion: number, backend: string, params: Record<string, unknown>): string {
  const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify({ backend, model, params: sorted, specVersion })).digest('hex');
}

describe('step keys', () => {
  it('a hosted step keys exactly as before implementation versions, whatever the local version', () => {
    const expected = designKey(VOID.id, VOID.specVersion, 'wavespeed', PARAMS);
    for (const version of [1, 2, 99]) expect(stepKey(keyMaterial(VOID, 'wavespeed', PARAMS, version))).toBe(expected);
  });

  it('a step on the local backend keys under its implementation version', () => {
    const current = keyMaterial(VOID, 'local', PARAMS);
    expect(current.implementation).toBe(LOCAL_VERSIONS[VOID.id]);
    const bumped = stepKey(keyMaterial(VOID, 'local', PARAMS, current.implementation! + 1));
    expect(bumped).not.toBe(stepKey(current));
    expect(stepKey(current)).not.toBe(designKey(VOID.id, VOID.specVersion, 'local', PARAMS));
    const trim = { video: PARAMS.video, start: 0 };
    expect(stepKey(keyMaterial(TRIM, 'local', trim, 1))).not.toBe(stepKey(keyMaterial(TRIM, 'local', trim, 2)));
  });
});
