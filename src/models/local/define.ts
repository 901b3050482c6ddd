import type { z } from 'zod';
import { FREE } from '../price.js';
import type { ModelDef } from '../types.js';

type LocalStepSpec<P extends z.ZodObject> = Pick<ModelDef<P>, 'id' | 'title' | 'summary' | 'params' | 'outputs'> &
  Partial<Pick<ModelDef<P>, 'rules' | 'specVersion'>>;

/** A glue step that runs on this machine with ffmpeg: always local, always free. */
export function localStep<P extends z.ZodObject>(spec: LocalStepSpec<P>): ModelDef<P> {
  return {
    provider: 'local',
    specVersion: 1,
    rules: [],
    pricing: 'free: runs on this machine with ffmpeg',
    price: () => FREE,
    ...spec,
  };
}
