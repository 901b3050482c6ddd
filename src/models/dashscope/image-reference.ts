import { z } from 'zod';
import { given, half } from '../param.js';
import { duration, IMAGE_LIMIT, prompt, promptExtend, refImages, seed, size, vaceFunction, watermark } from './vace-common.js';

const params = z.strictObject({
  prompt: prompt('What the video shows, combining the referenced subjects and background.'),
  ref_images_url: half(
    'input',
    refImages(3, '1 to 3 reference images of subjects (people, animals, clothing) or a background. A subject image works best on a solid background; a background image should contain no subject.'),
  ),
  obj_or_bg: half(
    'parameters',
    z
      .array(z.enum(['obj', 'bg']))
      .min(1)
      .max(3)
      .describe('One entry per reference image, in the same order: obj = subject, bg = background. At most one bg. May be omitted with a single image (then ["obj"]).')
      .optional(),
  ),
  size,
  duration,
  prompt_extend: promptExtend(false),
  seed,
  watermark,
});

export const imageReference = vaceFunction({
  id: 'alibaba/wan2.1-vace-plus/image_reference',
  title: 'Wan2.1-VACE multi-image reference',
  summary: 'Generates a 5 s 720P video that merges up to three reference images (subjects and a background) following a prompt.',
  params,
  limits: { params: { ref_images_url: IMAGE_LIMIT } },
  rules: [
    {
      description: 'obj_or_bg must have the same length as ref_images_url.',
      check: (p) =>
        Array.isArray(p.obj_or_bg) && Array.isArray(p.ref_images_url) && p.obj_or_bg.length !== p.ref_images_url.length
          ? [
              {
                path: ['obj_or_bg'],
                rule: 'obj-or-bg-length',
                message: `obj_or_bg has ${p.obj_or_bg.length} ${p.obj_or_bg.length === 1 ? 'entry' : 'entries'} but ref_images_url has ${p.ref_images_url.length}; give one obj or bg per reference image, in the same order`,
              },
            ]
          : [],
    },
    {
      description: 'At most one reference image may be the background (bg).',
      check: (p) => {
        const bgAt = Array.isArray(p.obj_or_bg) ? p.obj_or_bg.flatMap((v, i) => (v === 'bg' ? [i] : [])) : [];
        return bgAt.slice(1).map((i) => ({
          path: ['obj_or_bg', i],
          rule: 'obj-or-bg-one-bg',
          message: 'only one reference image may be the background (bg); mark the others obj',
        }));
      },
    },
    {
      description: 'obj_or_bg may be omitted only when there is a single reference image.',
      check: (p) => {
        const refs = p.ref_images_url;
        if (given(p.obj_or_bg) || !Array.isArray(refs) || refs.length < 2) return [];
        const example = refs.map(() => 'obj').join(', ');
        return [
          {
            path: ['obj_or_bg'],
            rule: 'obj-or-bg-required',
            message: `ref_images_url has ${refs.length} images, so obj_or_bg is required; add one obj or bg per image, in order (at most one bg), e.g. [${example}]`,
          },
        ];
      },
    },
  ],
});
