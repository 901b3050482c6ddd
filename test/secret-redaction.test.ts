import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../src/engine/redact.js';
import { startCli } from './support/cli.js';
import { useFakeProviders } from './support/fake-pair.js';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

// Keys shaped like real ones: long enough that a leak cannot be a coincidence.
const WS_KEY = 'ws-live-7Hq2Zk9Lm4Np8Rt1';
const DS_KEY = 'sk-5b1e0c77d2a94f3e8c6a';
const fakes = useFakeProviders({ wsKey: WS_KEY, dsKey: DS_KEY, concurrency: 4, taskMs: 100 });

let root: string;

const RECIPE = `version: 1
name: leaky
steps:
  remove:
    uses: wavespeed-ai/void-video-inpainting/mask
    with: { video: clip.mp4, mask_video: mask.mp4, prompt: an empty table }
  widen:
    uses: alibaba/wan2.1-vace-plus/video_outpainting
    with: { video_url: clip.mp4, prompt: a wide kitchen, left_scale: 1.5 }
`;

function workspace(): string {
  const dir = join(root, `w${readdirSync(root).length}`);
  mkdirSync(dir);
  for (const f of ['clip.mp4', 'mask.mp4']) copyFileSync(join(root, f), join(dir, f));
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'wavespeed:\n  poll_interval: 40ms\n  rate: 100/s\ndashscope:\n  poll_interval: 40ms\n  rate: 100/s\n');
  return dir;
}

async function run(dir: string, args: string[]) {
  const child = startCli(['run', 'recipe.yaml', ...args], {
    cwd: dir,
    env: fakes.env(),
  });
  const code = await child.exited;
  return { code, ...child.output };
}

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, entry);
    if (statSync(path).isFile()) text += readFileSync(path, 'latin1');
  }
  return text;
}

beforeAll(async () => {
  root = await makeTmpDir('vidrecipe-redact-');
  await makeClip(join(root, 'clip.mp4'), { width: 64, height: 48, fps: 16, duration: 1 });
  await makeClip(join(root, 'mask.mp4'), { width: 64, height: 48, fps: 16, duration: 1, source: 'color', color: 'white' });
}, 60_000);

afterAll(async () => {
  await removeDir(root);
});

describe('a provider error that quotes the request and its key', () => {
  it('never reaches --json, the journal, report.json or report.md; the refusal itself is still reported', async () => {
    fakes.ws.fault({ on: 'submit', status: 400, echoRequest: true });
    fakes.ds.fault({ on: 'submit', status: 400, echoRequest: true });
    const dir = workspace();
    const { code, stdout, stderr } = await run(dir, ['--json']);
    expect(code, stderr).toBe(1);
    // The fakes did quote the keys: the test would see them if they were passed on.
    expect(fakes.ws.requests.some((r) => r.status === 400 && r.headers.authorization === `Bearer ${WS_KEY}`)).toBe(true);
    expect(fakes.ds.requests.some((r) => r.status === 400 && r.headers.authorization === `Bearer ${DS_KEY}`)).toBe(true);

    const json = JSON.parse(stdout);
    expect(json.steps.remove.status).toBe('failed');
    expect(json.steps.remove.error).toMatch(/WaveSpeed refused the submit \(HTTP 400.*Authorization: Bearer \*\*\*/s);
    expect(json.steps.widen.error).toMatch(/DashScope refused .*Authorization: Bearer \*\*\*/s);
    for (const [where, text] of [['stdout', stdout], ['stderr', stderr], ['state dir', allText(join(dir, '.vidrecipe'))]] as const) {
      expect(text, where).not.toContain(WS_KEY);
      expect(text, where).not.toContain(DS_KEY);
    }
    const runDir = json.report as string;
    expect(readFileSync(join(runDir, 'journal.jsonl'), 'utf8')).toContain('Bearer ***');
    const md = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(md).toContain('Bearer \\*\\*\\*');
    // Markdown escapes the key's dashes (`ws\-live\-…`): the redactor must have seen it before that.
    for (const key of [WS_KEY, DS_KEY]) expect(md.replace(/\\/g, '')).not.toContain(key.slice(3));
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).steps.find((s: { id: string }) => s.id === 'remove').error).toContain('Bearer ***');
  });

  it('never reaches the progress and summary on stderr', async () => {
    fakes.ws.fault({ on: 'submit', status: 400, echoRequest: true });
    fakes.ds.fault({ on: 'submit', status: 400, echoRequest: true });
    const { code, stdout, stderr } = await run(workspace(), []);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: step "remove" failed: WaveSpeed refused the submit .*Bearer \*\*\*/s);
    expect(stderr + stdout).not.toContain(WS_KEY);
    expect(stderr + stdout).not.toContain(DS_KEY);
  });
});

describe('the redactor', () => {
  const redactor = Redactor.fromEnv({ WAVESPEED_API_KEY: WS_KEY, DASHSCOPE_API_KEY: ` ${DS_KEY}\n`, ACME_API_TOKEN: 'tok-0a9b8c7d6e', DEBUG: 'true', SHORT_KEY: 'abc' });

  it('masks every declared key, also inside JSON strings and URLs, and a key cut short by an excerpt', () => {
    expect(redactor.redact(`a ${WS_KEY} b ${DS_KEY}`)).toBe('a *** b ***');
    expect(redactor.redact(`?key=${encodeURIComponent(WS_KEY)}&x=1`)).toBe('?key=***&x=1');
    expect(redactor.redact(`… x-api-key: ${WS_KEY.slice(0, 12)}…`)).toBe('… x-api-key: ***…');
  });

  it('masks a future secret setting by its name, and whatever follows Bearer', () => {
    expect(redactor.redact('token tok-0a9b8c7d6e used')).toBe('token *** used');
    expect(redactor.redact('Authorization: Bearer some-other-key.123')).toBe('Authorization: Bearer ***');
  });

  it('masks the password of a URL, as a queue or database setting holds it', () => {
    expect(redactor.redact('cannot reach redis://worker:s3cr3t-pw@10.0.0.5:6379/0')).toBe('cannot reach redis://worker:***@10.0.0.5:6379/0');
    expect(redactor.redact('see https://example.com:8443/path and a@b.c')).toBe('see https://example.com:8443/path and a@b.c');
  });

  it('leaves ordinary text alone: short values and words are not secrets', () => {
    expect(redactor.redact('true abc 1 send Authorization: Bearer <WAVESPEED_API_KEY>')).toBe('true abc 1 send Authorization: Bearer <WAVESPEED_API_KEY>');
  });
});

describe('a provider error with markup in it', () => {
  it('is text in report.md: no image, no link, no HTML', async () => {
    const hostile = 'bad video <img src=x> see [link](http://x)';
    fakes.ds.fault({ on: 'submit', status: 400, body: { code: 'InvalidParameter', message: hostile, request_id: 'r-1' } });
    const { code, stdout, stderr } = await run(workspace(), ['--json']);
    expect(code, stderr).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.steps.widen.error).toContain(hostile);
    const md = readFileSync(join(json.report, 'report.md'), 'utf8');
    expect(md).toContain('&lt;img src=x\\> see \\[link\\]\\(http://x\\)');
    expect(md).not.toContain('<img');
    expect(md).not.toContain('[link](');
  });
});
