import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedLookup } from '../src/providers/media-download.js';
import { isPrivateAddress } from '../src/providers/private-address.js';
import { startCli, validateJson } from './support/cli.js';
import { frameIndices, makeNumberedClip, makeTmpDir, removeDir } from './support/media.js';

interface RunJson {
  status: string;
  steps: Record<string, { status: string; error?: string; outputs: Record<string, string> }>;
}

let dir: string;
let server: Server;
let base: string;
let clip: Buffer;
/** Requests the server saw, by path. */
const hits: string[] = [];
/** Bytes the endless route managed to send before the client hung up. */
let endlessSent = 0;
const open = new Set<ServerResponse>();
/** Where `/to-private.mp4` redirects. */
let redirectTarget = '';

/** The routes of a hostile (or merely careless) media host. */
function route(path: string, res: ServerResponse): void {
  switch (path) {
    case '/clip.mp4':
      return void res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
    case '/mislabelled.mp4':
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(clip);
    case '/moved.mp4':
      return void res.writeHead(302, { location: '/clip.mp4' }).end();
    case '/endless.mp4': {
      // No length, and bytes for as long as anyone reads (stopped at 256 MB so a broken client cannot fill the disk).
      res.writeHead(200, { 'content-type': 'video/mp4' });
      const chunk = Buffer.concat([clip.subarray(0, 64), Buffer.alloc(64 * 1024 - 64, 7)]);
      const pump = () => {
        while (endlessSent < 256 * 1024 ** 2) {
          endlessSent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return pump();
    }
    case '/huge.mp4':
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(50 * 1024 ** 3) });
      return void res.write(clip.subarray(0, 1024));
    case '/silent.mp4':
      return void open.add(res); // never answers
    case '/stalls.mp4':
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length });
      res.write(clip.subarray(0, 1024));
      return void open.add(res); // the rest never comes
    case '/to-private.mp4':
      return void res.writeHead(302, { location: redirectTarget }).end();
    case '/to-loopback-ip.mp4':
      return void res.writeHead(307, { location: `http://127.0.0.2:${new URL(base).port}/clip.mp4` }).end();
    case '/to-file.mp4':
      return void res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    case '/share/abc':
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html><body>Download clip.mp4</body></html>');
    case '/unlabelled.mp4':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('\n  <html><head><title>Sign in</title></head><body>Sign in to continue</body></html>');
    default:
      return void res.writeHead(404).end();
  }
}

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-downloads-');
  await makeNumberedClip(join(dir, 'clip.mp4'), { width: 64, height: 48, fps: 10, frames: 20 });
  clip = readFileSync(join(dir, 'clip.mp4'));
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    route(new URL(req.url ?? '/', 'http://host').pathname, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 60_000);

afterAll(async () => {
  for (const res of open) res.destroy();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await removeDir(dir);
});

/** A recipe with one `local/trim` step per URL; each reads the URL as its video. */
function recipe(name: string, urls: Record<string, string>): string {
  const steps = Object.entries(urls).map(([id, url]) => `  ${id}:\n    uses: local/trim\n    with: { video: "${url}", start: 1 }\n`);
  const file = `${name}.yaml`;
  writeFileSync(join(dir, file), `version: 1\nname: ${name}\nsteps:\n${steps.join('')}`);
  return file;
}

/** Runs the CLI as a child: the media host lives in this process and must keep answering. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startCli(args, { cwd: dir, env: { VIDRECIPE_ALLOW_PRIVATE_URLS: undefined, ...env } });
  const code = await child.exited;
  return { code, ...child.output };
}

/** `run --json`, parsed. */
async function run(file: string, env: Record<string, string | undefined> = {}): Promise<RunJson & { code: number | null; stderr: string }> {
  const result = await cli(['run', file, '--json'], env);
  expect(result.stdout, result.stderr).not.toBe('');
  return { ...(JSON.parse(result.stdout) as RunJson), code: result.code, stderr: result.stderr };
}

/** Sizes of every file the state dir holds (blobs, temp files). */
function storedBytes(): number {
  let total = 0;
  for (const entry of readdirSync(join(dir, '.vidrecipe'), { recursive: true }) as string[]) {
    const stats = statSync(join(dir, '.vidrecipe', entry));
    if (stats.isFile()) total += stats.size;
  }
  return total;
}

describe('media downloads keep their limits', () => {
  it('size, silence, redirects and web pages each fail their step with the URL and the fix', async () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'downloads:\n  max_size: 2MiB\n  timeout: 1s\n');
    const file = recipe('hostile', {
      endless: `${base}/endless.mp4`,
      huge: `${base}/huge.mp4?token=secret`,
      silent: `${base}/silent.mp4`,
      stalls: `${base}/stalls.mp4`,
      to_file: `${base}/to-file.mp4`,
      page: `${base}/share/abc`,
      unlabelled: `${base}/unlabelled.mp4`,
      moved: `${base}/moved.mp4`,
      mislabelled: `${base}/mislabelled.mp4`,
    });
    const result = await run(file, { VIDRECIPE_ALLOW_PRIVATE_URLS: '1' });
    expect(result.code).toBe(1);
    const error = (id: string) => result.steps[id]!.error;

    expect(error('endless')).toBe(`video: download of ${base}/endless.mp4 sent more than the 2 MiB allowed (downloads.max_size in vidrecipe.config.yaml); stopped`);
    expect(error('huge')).toBe(`video: download of ${base}/huge.mp4?… is 50 GiB, more than the 2 MiB allowed (downloads.max_size in vidrecipe.config.yaml)`);
    expect(error('silent')).toBe(`video: download of ${base}/silent.mp4: nothing received for 1 s (downloads.timeout in vidrecipe.config.yaml); stopped`);
    expect(error('stalls')).toBe(`video: download of ${base}/stalls.mp4: nothing received for 1 s (downloads.timeout in vidrecipe.config.yaml); stopped`);
    expect(error('to_file')).toBe(`video: download of ${base}/to-file.mp4 was redirected to file:///etc/passwd: only http(s) is downloaded, and only http(s) redirects are followed`);
    expect(error('page')).toBe(`video: download of ${base}/share/abc is a web page (text/html), not a media file: give the URL of the file itself (for a share page, its direct-download link)`);
    expect(error('unlabelled')).toBe(`video: download of ${base}/unlabelled.mp4 is a web page (HTML), not a media file: give the URL of the file itself (for a share page, its direct-download link)`);
    expect(JSON.stringify(result)).not.toContain('token=secret');

    // A media file the server calls text is still media: its bytes say so.
    expect(result.steps.mislabelled!.status).toBe('succeeded');
    // A redirect to http(s) is followed, and the file it leads to is used.
    expect(result.steps.moved!.status).toBe('succeeded');
    expect(await frameIndices(result.steps.moved!.outputs.video!)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    // The endless body was cut off near the limit, and nothing of the failures stayed in the state dir.
    expect(endlessSent).toBeLessThan(64 * 1024 ** 2);
    expect(storedBytes()).toBeLessThan(2 * 1024 ** 2);
  }, 120_000);

  it('media URLs written with a loopback or private address are refused before the run starts, unless allowed', async () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
    const port = new URL(base).port;
    hits.length = 0;
    const file = recipe('private', {
      literal: `${base}/clip.mp4`,
      named: `http://localhost:${port}/clip.mp4`,
      mapped: `http://[::ffff:127.0.0.1]:${port}/clip.mp4`,
      metadata: 'http://169.254.169.254/latest/meta-data/video.mp4',
    });
    const fix = 'which a recipe may not reach by default (it could read services inside this network); set VIDRECIPE_ALLOW_PRIVATE_URLS=1 in the environment to allow it';
    const expected = [
      `private.yaml:6:20: %s: step "literal": video: download of ${base}/clip.mp4 refused: 127.0.0.1 is a loopback or private address, ${fix} [media-file]`,
      `private.yaml:9:20: %s: step "named": video: download of http://localhost:${port}/clip.mp4 refused: localhost is a loopback or private address`,
      `private.yaml:12:20: %s: step "mapped": video: download of http://[::ffff:127.0.0.1]:${port}/clip.mp4 refused: ::ffff:7f00:1 is a loopback or private address`,
      `private.yaml:15:20: %s: step "metadata": video: download of http://169.254.169.254/latest/meta-data/video.mp4 refused: 169.254.169.254 is a loopback or private address`,
    ];
    // The plan names what the run would refuse (a warning: the plan may run where the media are not) …
    const plan = await cli(['plan', file]);
    expect(plan.code, plan.stderr).toBe(0);
    for (const line of expected) expect(plan.stderr).toContain(line.replace('%s', 'warning'));
    // … and the run refuses it before anything starts.
    const run = await cli(['run', file, '--json']);
    expect(run.code, run.stderr).toBe(2);
    for (const line of expected) expect(run.stderr).toContain(line.replace('%s', 'error'));
    expect(JSON.parse(run.stdout)).toMatchObject({ run_id: null, status: 'refused', reason: 'invalid', steps: {} });
    expect(hits).toEqual([]);

    const allowed = await cli(['run', recipe('allowed', { literal: `${base}/clip.mp4` }), '--json'], { VIDRECIPE_ALLOW_PRIVATE_URLS: '1' });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(hits).toEqual(['/clip.mp4']);
  }, 120_000);

  it('a redirect is checked where it leads: into loopback it is refused, at the address actually connected to', async () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
    hits.length = 0;
    // The first hop is the provider's own origin (trusted as the provider is); the redirect leads to this
    // machine's own name, which only resolving it shows to be a loopback or private address.
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    const privateOnly = addresses.length > 0 && addresses.every((a) => isPrivateAddress(a.address));
    redirectTarget = `http://${name}:${new URL(base).port}/clip.mp4`;
    const result = await run(recipe('redirect', { hop: `${base}/to-private.mp4`, ip: `${base}/to-loopback-ip.mp4` }), { WAVESPEED_BASE_URL: base });
    expect(hits.sort()).toEqual(['/to-loopback-ip.mp4', '/to-private.mp4']);
    expect(result.steps.ip!.error).toBe(
      `video: download of ${base}/to-loopback-ip.mp4, redirected to http://127.0.0.2:${new URL(base).port}/clip.mp4, refused: 127.0.0.2 is a loopback or private address, which a recipe may not reach by default (it could read services inside this network); set VIDRECIPE_ALLOW_PRIVATE_URLS=1 in the environment to allow it`,
    );
    if (privateOnly) {
      expect(result.steps.hop!.error).toMatch(
        new RegExp(`^video: download of ${base}/to-private\\.mp4, redirected to ${redirectTarget.replace(/\./g, '\\.')}, refused: ${name} \\(\\S+\\) is a loopback or private address`),
      );
    } else {
      // A machine whose name resolves to a public address (or not at all) cannot show it; the hop was still not served.
      expect(result.steps.hop!.status).toBe('failed');
    }
  }, 120_000);

  it('a name resolving to any private address is refused by the connection\'s own lookup', async () => {
    const fake = ((_host: string, _options: unknown, callback: (e: Error | null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }])) as unknown as typeof import('node:dns').lookup;
    const error = await new Promise<Error | null>((resolve) => guardedLookup('https://media.example/clip.mp4', fake)('media.example', { all: true }, (e) => resolve(e)));
    expect(error?.message).toBe(
      'download of https://media.example/clip.mp4 refused: media.example (10.0.0.5) is a loopback or private address, which a recipe may not reach by default (it could read services inside this network); set VIDRECIPE_ALLOW_PRIVATE_URLS=1 in the environment to allow it',
    );
    const publicOnly = ((_h: string, _o: unknown, callback: (e: Error | null, a: { address: string; family: number }[]) => void) =>
      callback(null, [{ address: '93.184.216.34', family: 4 }])) as unknown as typeof import('node:dns').lookup;
    const address = await new Promise<unknown>((resolve) => guardedLookup('x', publicOnly)('media.example', {}, (_e, a) => resolve(a)));
    expect(address).toBe('93.184.216.34');
  });

  it('download settings are checked with the rest of the config', () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'downloads:\n  max_size: lots\n  timeout: -1\n  retries: 3\n');
    const file = recipe('check', { one: `${base}/clip.mp4` });
    const { code, diagnostics } = validateJson([file], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '2:13 max_size "lots" is not a size; write e.g. 500MB, 2GB or 4GiB',
      '3:12 timeout -1 is not a duration; write e.g. 30s or 2m',
      '4:3 unknown setting "retries"; expected one of max_size, timeout',
    ]);
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), '');
  });
});
