import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_FILL_MASK } from '../../src/media/inpaint/fill-mask.js';
import { MODEL_IDS, MODELS, findModel } from '../../src/models/catalog.js';
import { HALF_KEYWORD, MEDIA_KEYWORD } from '../../src/models/param.js';
import { type AnyModel, type RuleParams, UNKNOWN } from '../../src/models/types.js';

/** The ids of DESIGN.md's table, in its order. */
const DESIGN_IDS = [
  'wavespeed-ai/void-video-inpainting/mask',
  'alibaba/wan2.1-vace-plus/image_reference',
  'alibaba/wan2.1-vace-plus/video_repainting',
  'alibaba/wan2.1-vace-plus/video_edit',
  'alibaba/wan2.1-vace-plus/video_extension',
  'alibaba/wan2.1-vace-plus/video_outpainting',
  'local/trim',
  'local/concat',
  'local/transcode',
  'local/extract-frame',
  'local/mask',
  'local/compare',
];

/** The smallest `with` map each model accepts. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  'wavespeed-ai/void-video-inpainting/mask': { video: 'in.mp4', prompt: 'A kitchen table', mask_video: 'mask.mp4' },
  'alibaba/wan2.1-vace-plus/image_reference': { prompt: 'A girl in a forest', ref_images_url: ['girl.png'] },
  'alibaba/wan2.1-vace-plus/video_repainting': { prompt: 'A steampunk car', video_url: 'in.mp4', control_condition: 'depth' },
  'alibaba/wan2.1-vace-plus/video_edit': { prompt: 'A lion in a suit', video_url: 'in.mp4', mask_image_url: 'mask.png' },
  'alibaba/wan2.1-vace-plus/video_extension': { prompt: 'A dog skateboarding', first_clip_url: 'clip.mp4' },
  'alibaba/wan2.1-vace-plus/video_outpainting': { prompt: 'An orchestra', video_url: 'in.mp4' },
  'local/trim': { video: 'in.mp4', end: 3 },
  'local/concat': { videos: ['a.mp4', 'b.mp4'] },
  'local/transcode': { video: 'in.mp4' },
  'local/extract-frame': { video: 'in.mp4' },
  'local/mask': { mask: 'mask.mp4' },
  'local/compare': { videos: ['a.mp4', 'b.mp4'] },
};

/** Which DashScope fields travel in `input` (provider-apis.md §3.3); every other field goes in `parameters`. */
const INPUT_HALF: Record<string, string[]> = {
  'alibaba/wan2.1-vace-plus/image_reference': ['prompt', 'ref_images_url'],
  'alibaba/wan2.1-vace-plus/video_repainting': ['prompt', 'video_url', 'ref_images_url'],
  'alibaba/wan2.1-vace-plus/video_edit': ['prompt', 'video_url', 'ref_images_url', 'mask_image_url', 'mask_video_url', 'mask_frame_id'],
  'alibaba/wan2.1-vace-plus/video_extension': ['prompt', 'first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url', 'video_url'],
  'alibaba/wan2.1-vace-plus/video_outpainting': ['prompt', 'video_url'],
};

function model(id: string): AnyModel {
  const m = findModel(id);
  if (!m) throw new Error(`no model ${id}`);
  return m;
}

function schemaOf(m: AnyModel) {
  return z.toJSONSchema(m.params, { target: 'draft-07', io: 'input' }) as { properties: Record<string, Record<string, unknown>>; required?: string[] };
}

/** Rule names (with severity) that fire for `with` as written. */
function fired(id: string, params: RuleParams): string[] {
  return model(id).rules.flatMap((r) => r.check(params).map((i) => (i.severity === 'warning' ? `${i.rule} (warning)` : i.rule)));
}

function issues(id: string, params: RuleParams) {
  return model(id).rules.flatMap((r) => r.check(params));
}

describe('catalog', () => {
  it('lists exactly the models of DESIGN.md, in its order, with unique ids', () => {
    expect(MODEL_IDS).toEqual(DESIGN_IDS);
    expect(new Set(MODEL_IDS).size).toBe(MODEL_IDS.length);
    expect(MODELS.map((m) => m.id)).toEqual(MODEL_IDS);
  });

  it('finds models by id and nothing else', () => {
    for (const m of MODELS) expect(findModel(m.id)).toBe(m);
    expect(findModel('alibaba/wan2.1-vace-plus')).toBeUndefined();
    expect(findModel('local/Trim')).toBeUndefined();
  });

  it('gives each model the provider its id implies and a video or image output', () => {
    for (const m of MODELS) {
      const expected = m.id.startsWith('alibaba/') ? 'dashscope' : m.id.startsWith('local/') ? 'local' : 'wavespeed';
      expect(m.provider).toBe(expected);
      expect(m.outputs).toEqual(m.id === 'local/extract-frame' ? { image: 'image' } : { video: 'video' });
    }
  });
});

describe.each(MODELS.map((m) => [m.id, m] as const))('%s', (id, m) => {
  it('generates a draft-07 JSON Schema that forbids unknown parameters', () => {
    const schema = schemaOf(m);
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false });
    for (const [name, prop] of Object.entries(schema.properties)) expect(prop.description ?? (prop.items as Record<string, unknown> | undefined)?.description, name).toBeTruthy();
  });

  it('accepts its minimal parameters, fills defaults, and no rule fires on them', () => {
    const minimal = MINIMAL[id];
    expect(minimal).toBeDefined();
    const parsed = m.params.parse(minimal) as Record<string, unknown>;
    expect(parsed).toMatchObject(minimal ?? {});
    expect(issues(id, minimal ?? {})).toEqual([]);
  });

  it('stays silent when every value is an expression', () => {
    const unknowns = Object.fromEntries(Object.keys(MINIMAL[id] ?? {}).map((k) => [k, UNKNOWN]));
    expect(issues(id, unknowns)).toEqual([]);
  });

  it('rejects a parameter that is not in its table', () => {
    expect(m.params.safeParse({ ...MINIMAL[id], function: 'video_edit' }).success).toBe(false);
  });

  it('names only real parameters in its rules and local support', () => {
    const keys = Object.keys(m.params.shape);
    for (const r of m.rules) expect(r.description.length).toBeGreaterThan(10);
    for (const k of m.local?.ignores ?? []) expect(keys).toContain(k);
  });
});

describe('DashScope body halves', () => {
  it.each(Object.entries(INPUT_HALF))('%s puts each field in the documented half', (id, inputs) => {
    const m = model(id);
    const schema = schemaOf(m);
    for (const [name, prop] of Object.entries(schema.properties)) {
      expect(prop[HALF_KEYWORD], name).toBe(inputs.includes(name) ? 'input' : 'parameters');
      expect(m.params.shape[name]?.meta()?.[HALF_KEYWORD], name).toBe(prop[HALF_KEYWORD]);
    }
    expect(Object.keys(schema.properties)).not.toContain('function');
    expect(Object.keys(schema.properties)).not.toContain('model');
  });

  it('marks URL fields as media of the right kind', () => {
    const props = schemaOf(model('alibaba/wan2.1-vace-plus/video_extension')).properties;
    expect(props.first_frame_url?.[MEDIA_KEYWORD]).toBe('image');
    expect(props.first_clip_url?.[MEDIA_KEYWORD]).toBe('video');
    const refs = schemaOf(model('alibaba/wan2.1-vace-plus/image_reference')).properties.ref_images_url;
    expect(refs).toMatchObject({ type: 'array', minItems: 1, maxItems: 3, items: { [MEDIA_KEYWORD]: 'image' } });
  });
});

describe('defaults and ranges', () => {
  it('fills the VACE defaults', () => {
    expect(model('alibaba/wan2.1-vace-plus/image_reference').params.parse(MINIMAL['alibaba/wan2.1-vace-plus/image_reference'])).toEqual({
      prompt: 'A girl in a forest',
      ref_images_url: ['girl.png'],
      size: '1280*720',
      duration: 5,
      prompt_extend: true,
      watermark: false,
    });
    expect(model('alibaba/wan2.1-vace-plus/video_edit').params.parse(MINIMAL['alibaba/wan2.1-vace-plus/video_edit'])).toMatchObject({
      mask_frame_id: 1,
      mask_type: 'tracking',
      expand_ratio: 0.05,
      expand_mode: 'hull',
    });
    expect(model('alibaba/wan2.1-vace-plus/video_repainting').params.parse(MINIMAL['alibaba/wan2.1-vace-plus/video_repainting'])).toMatchObject({ strength: 1 });
    expect(model('alibaba/wan2.1-vace-plus/video_outpainting').params.parse(MINIMAL['alibaba/wan2.1-vace-plus/video_outpainting'])).toMatchObject({
      top_scale: 1,
      bottom_scale: 1,
      left_scale: 1,
      right_scale: 1,
      duration: 5,
    });
  });

  it('fills the local defaults', () => {
    expect(model('local/trim').params.parse({ video: 'a.mp4', duration: 2 })).toEqual({ video: 'a.mp4', start: 0, duration: 2 });
    expect(model('local/transcode').params.parse({ video: 'a.mp4' })).toEqual({ video: 'a.mp4', fit: 'contain' });
    expect(model('local/extract-frame').params.parse({ video: 'a.mp4' })).toEqual({ video: 'a.mp4', at: 'first' });
    expect(model('local/extract-frame').params.parse({ video: 'a.mp4', at: 2.5 })).toEqual({ video: 'a.mp4', at: 2.5 });
    expect(model('local/mask').params.parse({ mask: 'm.mp4' })).toEqual({ mask: 'm.mp4', to: 'binary', invert: false, dilate: 0, threshold: 128 });
    expect(model('local/compare').params.parse({ videos: ['a', 'b'] })).toEqual({ videos: ['a', 'b'], layout: 'hstack' });
  });

  it.each([
    ['alibaba/wan2.1-vace-plus/video_outpainting', { prompt: 'x'.repeat(801) }],
    ['alibaba/wan2.1-vace-plus/video_outpainting', { left_scale: 2.5 }],
    ['alibaba/wan2.1-vace-plus/video_outpainting', { seed: 2147483648 }],
    ['alibaba/wan2.1-vace-plus/video_outpainting', { duration: 10 }],
    ['alibaba/wan2.1-vace-plus/video_repainting', { strength: 1.5 }],
    ['alibaba/wan2.1-vace-plus/video_repainting', { control_condition: undefined }],
    ['alibaba/wan2.1-vace-plus/video_repainting', { ref_images_url: ['a.png', 'b.png'] }],
    ['alibaba/wan2.1-vace-plus/video_edit', { control_condition: 'scribble' }],
    ['alibaba/wan2.1-vace-plus/video_edit', { mask_frame_id: 0 }],
    ['alibaba/wan2.1-vace-plus/video_edit', { size: '1920*1080' }],
    ['alibaba/wan2.1-vace-plus/video_extension', { control_condition: 'posebody' }],
    ['alibaba/wan2.1-vace-plus/image_reference', { ref_images_url: ['a', 'b', 'c', 'd'] }],
    ['alibaba/wan2.1-vace-plus/image_reference', { obj_or_bg: ['subject'] }],
    ['local/trim', { start: -1 }],
    ['local/trim', { duration: 0 }],
    ['local/concat', { videos: ['a.mp4'] }],
    ['local/transcode', { fit: 'fill' }],
    ['local/transcode', { fps: 0 }],
    ['local/transcode', { width: 1 }],
    ['local/extract-frame', { at: 'middle' }],
    ['local/mask', { threshold: 256 }],
    ['local/mask', { to: 'void' }],
    ['local/compare', { videos: Array.from({ length: 17 }, () => 'a.mp4') }],
  ])('%s rejects %j', (id, bad) => {
    expect(model(id).params.safeParse({ ...MINIMAL[id], ...bad }).success).toBe(false);
  });
});

describe('cross-field rules', () => {
  const IR = 'alibaba/wan2.1-vace-plus/image_reference';
  const EDIT = 'alibaba/wan2.1-vace-plus/video_edit';
  const EXT = 'alibaba/wan2.1-vace-plus/video_extension';

  it('VOID needs a mask video or a mask prompt', () => {
    expect(fired('wavespeed-ai/void-video-inpainting/mask', { video: 'a.mp4', prompt: 'p' })).toEqual(['required-one-of']);
    expect(fired('wavespeed-ai/void-video-inpainting/mask', { video: 'a.mp4', prompt: 'p', mask_prompt: UNKNOWN })).toEqual([]);
  });

  it('image_reference: obj_or_bg matches ref_images_url in length', () => {
    expect(fired(IR, { ref_images_url: ['a', 'b'], obj_or_bg: ['obj'] })).toEqual(['obj-or-bg-length']);
    expect(fired(IR, { ref_images_url: ['a', 'b'], obj_or_bg: ['obj', 'bg'] })).toEqual([]);
    // Expressions keep an array's length, so the check still applies to them.
    expect(fired(IR, { ref_images_url: [UNKNOWN, UNKNOWN], obj_or_bg: [UNKNOWN] })).toEqual(['obj-or-bg-length']);
    expect(fired(IR, { ref_images_url: [UNKNOWN, 'b'], obj_or_bg: ['obj', UNKNOWN] })).toEqual([]);
    expect(fired(IR, { ref_images_url: UNKNOWN, obj_or_bg: ['obj', 'bg'] })).toEqual([]);
    expect(fired(IR, { ref_images_url: ['a', 'b'], obj_or_bg: UNKNOWN })).toEqual([]);
  });

  it('image_reference: at most one background, pointing at the second', () => {
    const found = issues(IR, { ref_images_url: ['a', 'b', 'c'], obj_or_bg: ['bg', 'obj', 'bg'] });
    expect(found).toMatchObject([{ rule: 'obj-or-bg-one-bg', path: ['obj_or_bg', 2] }]);
    expect(fired(IR, { ref_images_url: ['a', 'b', 'c'], obj_or_bg: ['obj', 'obj', 'bg'] })).toEqual([]);
  });

  it('image_reference: obj_or_bg may be omitted only with a single image', () => {
    const found = issues(IR, { ref_images_url: ['a', 'b'] });
    expect(found).toMatchObject([{ rule: 'obj-or-bg-required', path: ['obj_or_bg'] }]);
    expect(found[0]?.message).toContain('[obj, obj]');
    expect(fired(IR, { ref_images_url: ['a'] })).toEqual([]);
    expect(fired(IR, { ref_images_url: UNKNOWN })).toEqual([]);
  });

  it('video_edit: exactly one of mask_image_url and mask_video_url', () => {
    expect(issues(EDIT, { video_url: 'a.mp4' })).toMatchObject([{ rule: 'mask-image-or-video', path: [] }]);
    expect(issues(EDIT, { video_url: 'a.mp4', mask_image_url: 'm.png', mask_video_url: 'm.mp4' })).toMatchObject([{ rule: 'mask-image-or-video', path: ['mask_video_url'] }]);
    expect(fired(EDIT, { video_url: 'a.mp4', mask_video_url: UNKNOWN })).toEqual([]);
  });

  it('video_edit: mask image options are rejected or flagged with a mask video', () => {
    expect(fired(EDIT, { mask_video_url: 'm.mp4', mask_frame_id: 3 })).toEqual(['mask-frame-id-needs-mask-image']);
    expect(fired(EDIT, { mask_video_url: 'm.mp4', mask_type: 'fixed' })).toEqual(['mask-image-options (warning)']);
    expect(fired(EDIT, { mask_video_url: 'm.mp4', expand_ratio: 0.1, expand_mode: 'bbox' })).toEqual(['mask-image-options (warning)', 'mask-image-options (warning)']);
    expect(fired(EDIT, { mask_image_url: 'm.png', mask_frame_id: 3, mask_type: 'fixed' })).toEqual([]);
    expect(fired(EDIT, { mask_image_url: UNKNOWN, mask_frame_id: UNKNOWN, mask_type: UNKNOWN, expand_ratio: UNKNOWN })).toEqual([]);
  });

  it('video_edit: expand_ratio and expand_mode only with tracking', () => {
    const found = issues(EDIT, { mask_image_url: 'm.png', mask_type: 'fixed', expand_ratio: 0.2, expand_mode: 'bbox' });
    expect(found).toMatchObject([
      { rule: 'expand-needs-tracking', path: ['expand_ratio'] },
      { rule: 'expand-needs-tracking', path: ['expand_mode'] },
    ]);
    expect(fired(EDIT, { mask_image_url: 'm.png', mask_type: 'tracking', expand_ratio: 0.2 })).toEqual([]);
    expect(fired(EDIT, { mask_image_url: 'm.png', expand_ratio: 0.2 })).toEqual([]);
    expect(fired(EDIT, { mask_image_url: 'm.png', mask_type: UNKNOWN, expand_ratio: 0.2 })).toEqual([]);
  });

  it('video_extension: needs a frame or clip, and control_condition with a motion reference', () => {
    expect(issues(EXT, { prompt: 'p' })).toMatchObject([{ rule: 'required-one-of', path: [] }]);
    for (const k of ['first_frame_url', 'last_frame_url', 'first_clip_url', 'last_clip_url']) expect(fired(EXT, { [k]: UNKNOWN })).toEqual([]);
    expect(issues(EXT, { first_clip_url: 'c.mp4', video_url: 'm.mp4' })).toMatchObject([{ rule: 'control-condition-required', path: ['control_condition'] }]);
    expect(fired(EXT, { first_clip_url: 'c.mp4', video_url: UNKNOWN, control_condition: 'depth' })).toEqual([]);
  });

  it('local/trim: start, end, duration and last combine sensibly', () => {
    expect(fired('local/trim', { video: 'a.mp4' })).toEqual(['required-one-of']);
    expect(issues('local/trim', { video: 'a.mp4', last: 2, start: 1, duration: 1 })).toMatchObject([
      { rule: 'last-excludes-range', path: ['start'] },
      { rule: 'last-excludes-range', path: ['duration'] },
    ]);
    expect(issues('local/trim', { video: 'a.mp4', end: 4, duration: 1 })).toMatchObject([{ rule: 'end-or-duration', path: ['duration'] }]);
    expect(issues('local/trim', { video: 'a.mp4', start: 4, end: 4 })).toMatchObject([{ rule: 'end-after-start', path: ['end'] }]);
    expect(fired('local/trim', { video: 'a.mp4', end: 0 })).toEqual(['end-after-start']);
    expect(fired('local/trim', { video: 'a.mp4', start: 1, end: 4 })).toEqual([]);
    expect(fired('local/trim', { video: 'a.mp4', start: UNKNOWN, end: 4 })).toEqual([]);
    expect(fired('local/trim', { video: 'a.mp4', start: 5, end: UNKNOWN })).toEqual([]);
    expect(fired('local/trim', { video: 'a.mp4', last: UNKNOWN })).toEqual([]);
  });

  it('local/compare: one label per video', () => {
    expect(issues('local/compare', { videos: ['a', 'b', 'c'], labels: ['A', 'B'] })).toMatchObject([{ rule: 'labels-match-videos', path: ['labels'] }]);
    expect(fired('local/compare', { videos: ['a', UNKNOWN], labels: ['A', UNKNOWN] })).toEqual([]);
    expect(fired('local/compare', { videos: ['a', 'b'] })).toEqual([]);
  });

  it('every issue says how to fix it and uses a kebab-case rule name', () => {
    const bad: [string, RuleParams][] = [
      [IR, { ref_images_url: ['a', 'b', 'c'], obj_or_bg: ['bg', 'bg'] }],
      [EDIT, { mask_video_url: 'm', mask_frame_id: 2, mask_type: 'fixed', expand_ratio: 0.1 }],
      [EXT, { video_url: 'v' }],
      ['local/trim', { video: 'a', last: 1, end: 2, duration: 1 }],
    ];
    for (const [id, p] of bad) {
      const found = issues(id, p);
      expect(found.length).toBeGreaterThan(0);
      for (const i of found) {
        expect(i.rule).toMatch(/^[a-z]+(-[a-z]+)*$/);
        expect(i.message).toMatch(/; (add|remove|give|mark|raise)/);
      }
    }
  });
});

describe('prices', () => {
  const VOID = 'wavespeed-ai/void-video-inpainting/mask';
  const price = (id: string, p: Record<string, unknown>) => {
    const m = model(id);
    return m.price(m.params.parse(p));
  };

  it('VOID: $0.05 base, doubled by Pass 2, plus $0.05 with a mask video', () => {
    const prompted = { video: 'a.mp4', prompt: 'p', mask_prompt: 'the man' };
    expect(price(VOID, prompted).usd).toBe(0.05);
    expect(price(VOID, { ...prompted, enable_pass2_refinement: true }).usd).toBe(0.1);
    expect(price(VOID, { video: 'a.mp4', prompt: 'p', mask_video: 'm.mp4' }).usd).toBe(0.1);
    expect(price(VOID, { video: 'a.mp4', prompt: 'p', mask_video: 'm.mp4', enable_pass2_refinement: true }).usd).toBe(0.15);
  });

  it('VACE: $0.10 per second × 5 s for every function', () => {
    for (const id of Object.keys(INPUT_HALF)) {
      const estimate = price(id, MINIMAL[id] ?? {});
      expect(estimate.usd).toBe(0.5);
      expect(estimate.basis).toContain('$0.10 per output second × 5 s');
      expect(estimate.basis).toContain('wan2.1-vace-plus');
    }
  });

  it('local steps are free', () => {
    for (const m of MODELS.filter((x) => x.provider === 'local')) expect(price(m.id, MINIMAL[m.id] ?? {})).toEqual({ usd: 0, basis: 'local, free' });
  });
});

describe('local support', () => {
  it('exists only for VOID, VACE outpainting and VACE extension', () => {
    expect(MODELS.filter((m) => m.local).map((m) => m.id)).toEqual([
      'wavespeed-ai/void-video-inpainting/mask',
      'alibaba/wan2.1-vace-plus/video_extension',
      'alibaba/wan2.1-vace-plus/video_outpainting',
    ]);
  });

  it('ignores what a classical algorithm cannot honour and refuses nothing for VACE', () => {
    const ext = model('alibaba/wan2.1-vace-plus/video_extension').local;
    expect(ext?.ignores).toEqual(expect.arrayContaining(['prompt', 'prompt_extend', 'seed', 'watermark', 'video_url', 'control_condition']));
    expect(ext?.refuse?.({ first_clip_url: 'c.mp4', video_url: 'v.mp4' })).toBeUndefined();
    const out = model('alibaba/wan2.1-vace-plus/video_outpainting').local;
    expect(out?.ignores).not.toContain('left_scale');
    expect(out?.ignores).toContain('prompt');
  });

  it('documents the offline removal’s fill region as the code draws it', () => {
    const settings = Object.fromEntries((model('wavespeed-ai/void-video-inpainting/mask').local?.settings ?? []).map((s) => [s.name, s.value]));
    expect(settings).toEqual({ dilation: DEFAULT_FILL_MASK.grow, feather: DEFAULT_FILL_MASK.feather });
  });
});
