import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, validateJson, type JsonDiagnostic } from './support/cli.js';

/**
 * Every file under test/fixtures/invalid/ is a realistic broken recipe that declares, in its header
 * comments, the diagnostics `vidrecipe validate` must report: `# expect: <line>:<col> <severity> <rule>`.
 * The positions were worked out by reading each file, not copied from the CLI.
 */
const DIR = 'test/fixtures/invalid';
const EXPECT = /^# expect: (\d+):(\d+) (error|warning) ([a-z][a-z0-9-]*)$/;

interface Fixture {
  name: string;
  /** As passed to the CLI (relative to the repository root, which is the CLI's working directory). */
  path: string;
  /** `line:col severity rule`, sorted. */
  expected: string[];
}

function readFixture(name: string): Fixture {
  const path = `${DIR}/${name}`;
  const text = readFileSync(join(ROOT, path), 'utf8');
  const expected: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break; // the header is the leading block of comments
    if (!line.startsWith('# expect')) continue;
    const m = EXPECT.exec(line);
    if (!m) throw new Error(`${path}: malformed expectation line: ${line}`);
    expected.push(`${m[1]}:${m[2]} ${m[3]} ${m[4]}`);
  }
  if (expected.length === 0) throw new Error(`${path}: declares no expected diagnostics`);
  return { name, path, expected: expected.sort() };
}

const FIXTURES = readdirSync(join(ROOT, DIR))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map(readFixture);

/** Targeted message checks, by fixture and `line:col`: each message must contain the text. */
const MESSAGES: Record<string, [at: string, contains: string][]> = {
  'multi-document.yaml': [['6:1', 'a recipe is one YAML document']],
  'unquoted-flow-expression.yaml': [['10:23', 'quote each expression']],
  'short-model-id.yaml': [
    ['5:10', 'must be the number 1, not text'],
    ['8:11', 'did you mean "local/trim"?'],
    ['11:11', 'did you mean "alibaba/wan2.1-vace-plus/video_outpainting"?'],
  ],
  'media-type.yaml': [
    ['10:24', 'ref_images_url[0] must be a path or URL to an image, or a reference, got 3'],
    ['14:14', 'video must be a path or URL to a video, or a reference, got a list'],
  ],
  'unknown-parameter.yaml': [
    ['12:7', 'did you mean "prompt"?'],
    ['13:7', 'did you mean "mask_video"?'],
    ['10:5', 'missing required parameter "prompt"'],
    ['10:5', 'mask_video or mask_prompt'],
  ],
  'unknown-top-level.yaml': [
    ['6:1', 'did you mean "description"?'],
    ['13:1', 'did you mean "outputs"?'],
  ],
  'unknown-step-property.yaml': [['8:5', 'did you mean "timeout"?']],
  'unknown-model.yaml': [
    ['8:11', 'did you mean "alibaba/wan2.1-vace-plus/video_outpainting"?'],
    ['13:11', 'did you mean "local/trim"?'],
    ['18:11', 'vidrecipe models'],
  ],
  'bad-references.yaml': [
    ['13:14', 'unknown input "vidoe"; did you mean "video"?'],
    ['19:18', 'unknown step "remvoe"; did you mean "remove"?'],
    ['24:14', 'no output "result"'],
  ],
  'needs.yaml': [
    ['14:13', 'unknown step "remvoe"; did you mean "remove"?'],
    ['14:21', 'cannot need itself'],
  ],
  'cycle-two-steps.yaml': [['8:18', 'widen → extend → widen']],
  'cycle-three-steps.yaml': [['8:14', 'a → b → c → a']],
  'self-reference.yaml': [['8:14', 'cannot use its own output']],
  'enum.yaml': [
    ['13:19', 'the nearest valid value is 85'],
    ['26:26', '"scribble"'],
  ],
  'out-of-range.yaml': [
    ['13:28', 'got 0'],
    ['14:23', 'got 21'],
    ['20:19', 'got 2.5'],
  ],
  'array-length.yaml': [['11:9', 'at most 3 items, got 4']],
  'reference-type.yaml': [
    ['16:18', 'video_url needs a video, but steps.still.outputs.image is an image'],
    ['17:24', 'cannot be interpolated into text'],
  ],
  'expressions.yaml': [
    ['12:14', 'unknown context "input"'],
    ['18:18', 'steps.remove.outputs.video'],
    ['19:39', 'unterminated'],
  ],
  'duplicate-key.yaml': [['11:7', 'duplicate key "prompt"']],
  'unknown-alias.yaml': [['9:15', '*kitchen']],
  'backend.yaml': [
    ['8:14', 'has no local implementation'],
    ['15:14', 'not hosted on wavespeed'],
  ],
  'wrong-version.yaml': [['3:10', 'version 2']],
  'empty-steps.yaml': [['7:8', 'at least one step']],
  'trim-end-before-start.yaml': [['10:12', 'end (1.5 s) must be after start (90 s)']],
  'obj-or-bg-length.yaml': [['10:18', 'obj_or_bg has 2 entries but ref_images_url has 3']],
  'compare-labels.yaml': [['24:15', 'labels has 2 entries but videos has 3']],
  // Batches (issue 11): each message names the fix.
  'batch-list-without-of.yaml': [['5:3', 'needs "of", the kind of its items']],
  'batch-list-default-item.yaml': [
    ['9:18', 'every item of input "seeds" must be a number (of: number), got "2"'],
    ['9:23', 'got a map'],
  ],
  'batch-table-without-columns.yaml': [['5:3', 'needs "columns"']],
  'batch-table-default-file.yaml': [['7:14', 'must be a .csv, .jsonl or .yaml file']],
  'batch-table-column-name.yaml': [['8:30', 'rename the column in the file too']],
  'batch-of-on-other-type.yaml': [
    ['6:25', '"of" applies to type: list only'],
    ['7:25', '"columns" applies to type: table only'],
  ],
  'batch-matrix-empty.yaml': [['6:5', 'matrix has no axis']],
  'batch-matrix-axis-empty.yaml': [['7:12', 'axis "end" has no values']],
  'batch-matrix-axis-one-value.yaml': [['7:12', 'for one value, write [3]']],
  'batch-matrix-axis-mixed.yaml': [
    ['8:19', 'axis "end" mixes a number and text ("3")'],
    ['8:24', 'end[3]: a matrix value is text, a number or true/false; got a map'],
  ],
  'batch-matrix-axis-scalar-input.yaml': [
    ['13:13', 'declare it { type: list, of: string }'],
    ['14:13', "cannot read a step's output"],
  ],
  'batch-axis-unknown-input.yaml': [['9:13', 'unknown input "take"; did you mean "takes"?']],
  'batch-files-outside-matrix.yaml': [['8:15', 'can only be the whole value of a matrix axis']],
  'batch-files-unquoted.yaml': [
    ['8:13', 'files() takes one glob in quotes'],
    ['9:13', 'write the glob relative to the recipe'],
  ],
  'batch-exclude-unknown-axis.yaml': [
    ['10:19', 'exclude names "sed", which is not an axis of this matrix; did you mean "seed"?'],
    ['10:37', 'write 2 without quotes'],
  ],
  'batch-include-kinds.yaml': [
    ['9:56', 'include gives "note" a number elsewhere and text here'],
    ['19:16', 'include must be a list of maps'],
  ],
  'batch-matrix-value-no-matrix.yaml': [['8:14', 'step "cut" has none: add matrix: { clip: [...] }']],
  'batch-matrix-unknown-axis.yaml': [['12:36', 'step "remove" has no matrix axis "sed"; did you mean "seed"?']],
  'batch-table-row.yaml': [
    ['13:14', 'name a column: ${{ matrix.shot.video }} (columns: video, mask, prompt)'],
    ['14:19', 'no column "maks"; did you mean "mask"?'],
  ],
  'batch-matrix-media-in-text.yaml': [['14:33', 'matrix.shot.video is a video and cannot be interpolated']],
  'batch-pairing-missing-axis.yaml': [['22:18', 'step "widen" has no axis "shot", so its legs cannot pick one. Give "widen" the same axis, shot: ${{ inputs.shots }}']],
  'batch-pairing-other-source.yaml': [['17:14', "legs pair only over the same values: write clip: ${{ files('takes/*.mp4') }} in both"]],
  'batch-fan-in-one-value.yaml': [['15:14', "is a list of videos, one per leg of \"cut\", and cannot fill video, which takes one value; read it from a list parameter such as local/concat's videos"]],
  'batch-list-input-one-value.yaml': [
    ['12:14', 'make it a matrix axis, matrix: { item: ${{ inputs.clips }} }'],
    ['17:15', 'videos needs a list of videos, but inputs.ends is a list of numbers'],
  ],
  'batch-table-outside-matrix.yaml': [['10:15', 'a table can only be a matrix axis']],
  'batch-max-parallel-no-matrix.yaml': [
    ['8:5', 'step "cut" has no matrix: it does nothing here'],
    ['15:19', 'max-parallel must be ≥ 1, got 0'],
  ],
  'batch-matrix-in-outputs.yaml': [['14:8', 'a recipe output cannot read matrix.end']],
};

const key = (d: JsonDiagnostic) => `${d.line}:${d.col} ${d.severity} ${d.rule}`;
const DOTTED = /^[^.]+(\.[^.]+)*$/;
/** Rules about the document as a whole, which may carry the root path ''. */
const DOCUMENT_LEVEL = new Set(['yaml-syntax', 'duplicate-key', 'type', 'file']);

// One validate call over every fixture: "all errors of all files in one pass".
const ALL = validateJson(FIXTURES.map((f) => f.path));
const BY_FILE = new Map<string, JsonDiagnostic[]>(FIXTURES.map((f) => [f.path, []]));
for (const d of ALL.diagnostics) BY_FILE.get(d.file)?.push(d);

describe('the fixture suite', () => {
  it('has a broken recipe for each concern', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(30);
  });

  it('names only fixtures that exist in MESSAGES', () => {
    const names = new Set(FIXTURES.map((f) => f.name));
    for (const name of Object.keys(MESSAGES)) expect(names, name).toContain(name);
  });
});

describe('validate over all fixtures in one call', () => {
  it('exits 2, as some fixtures have errors', () => {
    expect(ALL.code).toBe(2);
  });

  it('reports every diagnostic against one of the files passed, spelled as passed', () => {
    const paths = new Set(FIXTURES.map((f) => f.path));
    for (const d of ALL.diagnostics) expect(paths).toContain(d.file);
  });

  it('reports the union of what every fixture declares', () => {
    const got = ALL.diagnostics.map((d) => `${d.file} ${key(d)}`).sort();
    const want = FIXTURES.flatMap((f) => f.expected.map((e) => `${f.path} ${e}`)).sort();
    expect(got).toEqual(want);
  });

  it('groups diagnostics file by file, in the order given, each file sorted by position', () => {
    const order = FIXTURES.map((f) => f.path);
    let last = -1;
    let prev: JsonDiagnostic | undefined;
    for (const d of ALL.diagnostics) {
      const index = order.indexOf(d.file);
      expect(index).toBeGreaterThanOrEqual(last);
      if (index === last && prev) expect(d.line > prev.line || (d.line === prev.line && d.col >= prev.col), `${d.file} ${key(d)}`).toBe(true);
      last = index;
      prev = d;
    }
  });
});

describe.each(FIXTURES)('$name', (fixture) => {
  const got = () => BY_FILE.get(fixture.path)!;

  it('reports exactly the declared diagnostics', () => {
    expect(got().map(key).sort()).toEqual(fixture.expected);
    // The exit code follows: 2 with any error, 0 with warnings only.
    const errors = got().some((d) => d.severity === 'error');
    expect(errors).toBe(fixture.expected.some((e) => e.includes(' error ')));
  });

  it('reports well-formed diagnostics', () => {
    for (const d of got()) {
      expect(d.file).toBe(fixture.path);
      expect(Number.isInteger(d.line) && d.line >= 1, key(d)).toBe(true);
      expect(Number.isInteger(d.col) && d.col >= 1, key(d)).toBe(true);
      expect(d.endLine > d.line || (d.endLine === d.line && d.endCol >= d.col), `${key(d)} ends at ${d.endLine}:${d.endCol}`).toBe(true);
      expect(d.message.trim(), key(d)).not.toBe('');
      expect(d.rule).toMatch(/^[a-z][a-z0-9-]*$/);
      if (d.path === '') expect(DOCUMENT_LEVEL, `${key(d)} has an empty path`).toContain(d.rule);
      else expect(d.path).toMatch(DOTTED);
    }
  });

  const messages = MESSAGES[fixture.name];
  if (messages) {
    it('explains each problem', () => {
      for (const [at, contains] of messages) {
        const texts = got().filter((d) => `${d.line}:${d.col}` === at).map((d) => d.message);
        expect(texts.length, `no diagnostic at ${at}`).toBeGreaterThan(0);
        expect(texts.some((t) => t.includes(contains)), `${at}: ${JSON.stringify(texts)} should contain ${JSON.stringify(contains)}`).toBe(true);
      }
    });
  }
});

describe('validate, one file at a time', () => {
  // A few fixtures checked alone: the result must not depend on the other files of the call.
  it.each(['unused-output.yaml', 'cycle-three-steps.yaml', 'unknown-parameter.yaml', 'yaml-tab-indent.yaml'])('%s alone reports what it reported among all', (name) => {
    const path = `${DIR}/${name}`;
    const alone = validateJson([path]);
    expect(alone.diagnostics).toEqual(BY_FILE.get(path));
    expect(alone.code).toBe(name === 'unused-output.yaml' ? 0 : 2);
  });

  it('exits 0 when the only findings are warnings, also next to a valid recipe', () => {
    const { code, diagnostics } = validateJson([`${DIR}/unused-output.yaml`, 'recipes/remove-outpaint-extend.yaml']);
    expect(code).toBe(0);
    expect(diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('exits 2 when one file of several has an error', () => {
    const { code } = validateJson(['recipes/remove-outpaint-extend.yaml', `${DIR}/unused-output.yaml`, `${DIR}/wrong-version.yaml`]);
    expect(code).toBe(2);
  });
});

describe('message details', () => {
  it('reports the three-step cycle once, naming every step and how it closes', () => {
    const cycles = BY_FILE.get(`${DIR}/cycle-three-steps.yaml`)!.filter((d) => d.rule === 'cycle');
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.message).toContain('dependency cycle: a → b → c → a');
    expect(cycles[0]!.message).toContain('"a" uses the output of "b"');
  });

  it('does not suggest a portrait size for a landscape size', () => {
    const size = BY_FILE.get(`${DIR}/enum.yaml`)!.find((d) => d.path.endsWith('.size'))!;
    expect(size.message).toContain('"1920*1080"');
  });

  // Edit distance alone would pick "720*1280" (portrait) for "1920*1080" (landscape).
  it('does not suggest a size of the other orientation', () => {
    const size = BY_FILE.get(`${DIR}/enum.yaml`)!.find((d) => d.path.endsWith('.size'))!;
    expect(size.message).not.toContain('did you mean "720*1280"');
  });

  it('names the path of a duplicated key', () => {
    const [dup] = BY_FILE.get(`${DIR}/duplicate-key.yaml`)!;
    expect(dup!.path).toBe('steps.remove.with.prompt');
  });

  it('names the path of an unknown alias', () => {
    const [alias] = BY_FILE.get(`${DIR}/unknown-alias.yaml`)!;
    expect(alias!.path).toBe('steps.remove.with.prompt');
  });
});

describe('files that are not in the fixture folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vidrecipe-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a zero-byte file as not a recipe, at 1:1', () => {
    const file = join(dir, 'zero.yaml');
    writeFileSync(file, '');
    const { code, diagnostics } = validateJson([file]);
    expect(code).toBe(2);
    expect(diagnostics.map(key)).toEqual(['1:1 error type']);
    expect(diagnostics[0]!.file).toBe(file);
  });

  // Editors on Windows save a byte-order mark; it is invisible, so it must not count as a column.
  // `version: 2` on line 1: the value is at column 10, the CLI says 11.
  it('does not count a byte-order mark as a column', () => {
    const file = join(dir, 'bom.yaml');
    writeFileSync(file, '\ufeffversion: 2\nsteps:\n  cut:\n    uses: local/trim\n    with: { video: a.mp4, end: 3 }\n');
    const { diagnostics } = validateJson([file]);
    expect(diagnostics.map(key)).toEqual(['1:10 error version']);
  });

  it('reports positions in a CRLF file as in an LF one', () => {
    const lf = readFileSync(join(ROOT, DIR, 'out-of-range.yaml'), 'utf8');
    const file = join(dir, 'crlf.yaml');
    writeFileSync(file, lf.replace(/\n/g, '\r\n'));
    const { diagnostics } = validateJson([file]);
    expect(diagnostics.map(key).sort()).toEqual(readFixture('out-of-range.yaml').expected);
  });
});
