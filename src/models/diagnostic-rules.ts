/**
 * Every rule a diagnostic can name, with what it checks: one closed list (actionlint: one rule, one
 * name, one description). `RuleName` is derived from it, so a diagnostic cannot carry a name the list
 * lacks, and the rules table in docs/recipes.md is generated from it (`npm run schemas`).
 * Here, in the lowest layer, because model files name the rules of their cross-field checks.
 */
export const RULES = {
  'yaml-syntax': 'The file is not valid YAML (an unclosed quote, a bad indent), or cannot be read as data.',
  'duplicate-key': 'A key appears twice in the same map; the last one would win silently.',
  file: 'The recipe file cannot be read: missing, not a regular file (a device, a FIFO), over 4 MiB, or a symlink out of its work tree.',
  'reserved-name': '`__proto__` as a key or a name: reading the file into JavaScript would make it vanish.',
  'too-deep': 'Lists and maps nested more than 64 levels (a recipe needs about 7); the file is not read further.',
  'too-many-problems': 'A file with more than 200 problems lists the first 200 in source order, then this one with the count of the rest.',
  internal: 'vidrecipe itself failed on this file; the other files are still checked (please report it).',
  version: 'The recipe declares a format version this vidrecipe does not read (only `version: 1`).',
  required: 'Something required is missing: a top-level key, a step\'s `uses`, a required parameter, at least one step.',
  'unknown-property': 'A key the recipe format does not have (at the top level, in an input, in a step).',
  'unknown-parameter': 'A parameter the step\'s model does not take; the message suggests the closest name.',
  'unknown-model': '`uses` names a model that is not in the catalog (`vidrecipe models` lists it).',
  type: 'A value of the wrong kind: text where a number belongs, a list where one path belongs, a quoted number.',
  enum: 'A value outside the allowed set, e.g. `num_frames` not one of 69, 77, …, 197.',
  range: 'A number, text or list out of its bounds: above a maximum, below a minimum, too long, empty, a zero timeout.',
  duplicate: 'A list that must hold distinct values names one twice.',
  schema: 'Any other violation of the recipe schema (e.g. text that does not match its pattern).',
  'recipe-name': 'A recipe `name` that is not one plain folder name (letters, digits, `.`, `_`, `-`): `../x` would put the outputs outside `out/`.',
  'step-id': 'A step id that is not lowercase a-z, 0-9, `_` and `-`, starting with a letter.',
  'output-name': 'A recipe output name that is not letters, digits, `_` and `-`, starting with a letter or `_`.',
  'input-name': 'An input name that is not letters, digits, `_` and `-`, starting with a letter or `_`.',
  'input-default': 'An input\'s default does not match its declared type.',
  'missing-input': 'An input with no default was given no value with `--input NAME=VALUE`.',
  expression: 'A `${{ }}` expression that does not parse, or an output that is not one reference.',
  reference: 'A reference to an input, step or output that does not exist, or `needs` naming an unknown step.',
  'reference-type': 'A reference whose value has the wrong kind for where it is used, e.g. an image where a video belongs.',
  cycle: 'Steps that wait for each other, directly or around a loop, so none can start.',
  'sub-recipe': '`uses: ./other.yaml` cannot be used: unreadable, outside the work tree, including itself (directly or around a loop), nested more than 16 deep, in error itself, or given a step option (`backend`, `retries`, `timeout`, `cache`) that belongs on its own steps.',
  backend: 'A `backend:` the model cannot run on, or a local run the model\'s local implementation refuses.',
  offline: '`--offline` asks for a local run that this step\'s model or parameters cannot have.',
  'unused-output': 'A step\'s output that nothing reads and that is not a recipe output.',
  'required-one-of': 'A model needs at least one of several parameters (e.g. VOID: `mask_video` or `mask_prompt`).',
  'obj-or-bg-required': 'image_reference: `obj_or_bg` is required with more than one reference image.',
  'obj-or-bg-length': 'image_reference: `obj_or_bg` has one entry per reference image.',
  'obj-or-bg-one-bg': 'image_reference: at most one reference image is the background.',
  'mask-image-or-video': 'video_edit: give exactly one of `mask_image_url` and `mask_video_url`.',
  'mask-frame-id-needs-mask-image': 'video_edit: `mask_frame_id` applies only with `mask_image_url`.',
  'mask-image-options': 'video_edit: `mask_type`, `expand_ratio` and `expand_mode` shape a mask image; with `mask_video_url` they do nothing (a warning).',
  'expand-needs-tracking': 'video_edit: `expand_ratio` and `expand_mode` apply only with `mask_type: tracking`.',
  'control-condition-required': 'video_extension: a motion reference `video_url` needs `control_condition`.',
  'labels-match-videos': 'local/compare: one label per video, in the same order.',
  'last-excludes-range': 'local/trim: `last` cannot be combined with `start`, `end` or `duration`.',
  'end-or-duration': 'local/trim: give `end` or `duration`, not both.',
  'end-after-start': 'local/trim: `end` must be after `start`.',
  'api-key': 'A step will run on a provider whose API key is not set (a warning at plan time, with the fix).',
  'input-value': 'An `--input` value or a default that does not fit the parameter it reaches, found at plan time.',
  'media-file': 'A media file a step reads cannot be used as given: missing, unreadable, or not the media its parameter takes.',
  'provider-limits': 'Media outside the provider\'s documented input limits (format, length, size, frame rate, dimensions).',
  'media-path': 'A path written in the recipe that lies outside its git work tree (symlinks followed); `--allow-path DIR` allows a folder.',
  'media-kind': 'A file that is not, by its content, the video or image it stands for, or has no frame that decodes.',
  config: 'A problem in vidrecipe.config.yaml: an unknown setting, a bad rate, interval or value.',
  'base-url': 'A `base_url` in vidrecipe.config.yaml that is not the provider\'s own https host: API keys go only there unless `*_BASE_URL` in the environment says otherwise.',
} as const satisfies Readonly<Record<string, string>>;

export type RuleName = keyof typeof RULES;

export const RULE_NAMES = Object.keys(RULES) as RuleName[];
