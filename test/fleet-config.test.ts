import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, validateJson } from './support/cli.js';
import { startTestFleet, type TestFleet } from './support/test-fleet.mjs';
import { makeClip, makeTmpDir, removeDir } from './support/media.js';

// The settings of the many-machines mode, and the services behind them: every problem is found before
// anything runs, names the setting (and its line), and says how to fix it; a secret is never printed.

let dir: string;
let fleet: TestFleet;

const RECIPE = `version: 1
name: cut
steps:
  cut:
    uses: local/trim
    with: { video: clip.mp4, duration: 0.5 }
`;

beforeAll(async () => {
  dir = await makeTmpDir('vidrecipe-fleet-config-');
  await makeClip(join(dir, 'clip.mp4'), { width: 32, height: 32, fps: 10, duration: 1 });
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
  fleet = await startTestFleet();
}, 60_000);

afterAll(async () => {
  await fleet?.close();
  await removeDir(dir);
});

/** The CLI as a child process, not blocking this one: the S3 server lives in the test's process. */
async function run(config: string, args: string[], env: Record<string, string | undefined> = {}) {
  writeFileSync(join(dir, 'vidrecipe.config.yaml'), config);
  const child = startCli(args, { cwd: dir, env: { ...fleet.env, ...env } });
  const code = await child.exited;
  return { code, ...child.output };
}

describe('the queue, records and cache settings', () => {
  it('reports each malformed URL at its line and column, all at once', async () => {
    writeFileSync(join(dir, 'vidrecipe.config.yaml'), 'queue: http://127.0.0.1:6379\nrecords: mysql://db/x\ncache: s3:///prefix-only\n');
    const { code, diagnostics } = validateJson(['recipe.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(diagnostics.map((d) => [d.line, d.col, d.rule])).toEqual([
      [1, 8, 'config'],
      [2, 10, 'config'],
      [3, 8, 'config'],
    ]);
    expect(diagnostics[0]!.message).toMatch(/not a Redis URL \(redis:\/\/ or rediss:\/\/\); write e\.g\. queue: redis:\/\/127\.0\.0\.1:6379/);
    expect(diagnostics[1]!.message).toMatch(/not a PostgreSQL URL/);
    expect(diagnostics[2]!.message).toMatch(/names no bucket/);
  });

  it('refuses a password written in the committed config, without printing it', async () => {
    const { code, stdout, stderr } = await run(`queue: redis://:hunter2secret@127.0.0.1:6379\nrecords: ${fleet.recordsUrl}\ncache: s3://fleet/x\n`, ['validate', 'recipe.yaml']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/vidrecipe\.config\.yaml:1:8: error: queue: the URL carries a password.*set REDIS_PASSWORD \(or the whole URL in VIDRECIPE_QUEUE\) in the environment/);
    expect(stdout + stderr).not.toContain('hunter2secret');
  });

  it('needs all three services together, and says which are missing at the first one set', async () => {
    const { code, stdout } = await run(`local:\n  concurrency: 2\nqueue: ${fleet.redisUrl}\n`, ['validate', 'recipe.yaml']);
    expect(code).toBe(2);
    expect(stdout).toMatch(/vidrecipe\.config\.yaml:3:8: error: queue is set but not records and cache: running on many machines needs all three/);
    expect(stdout).toMatch(/add records: postgres:\/\/.*, cache: s3:\/\//);
  });

  it('takes the URLs from the environment, where a password may be', async () => {
    const { code, stderr } = await run('', ['validate', 'recipe.yaml'], { VIDRECIPE_QUEUE: 'redis://:pw@127.0.0.1:6379/0', VIDRECIPE_RECORDS: 'nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/VIDRECIPE_RECORDS in the environment: records "nope" is not a URL/);
    expect(stderr).not.toContain(':pw@');
  });
});

describe('services that cannot be used stop the run before anything runs, naming the setting and its line', () => {
  const lines = (over: Partial<Record<'queue' | 'records' | 'cache', string>>) => `local:\n  concurrency: 2\nqueue: ${over.queue ?? fleet.redisUrl}\nrecords: ${over.records ?? fleet.recordsUrl}\ncache: ${over.cache ?? 's3://fleet/team'}\n`;

  it('a Redis that does not answer', async () => {
    const { code, stderr } = await run(lines({ queue: 'redis://127.0.0.1:1' }), ['run', 'recipe.yaml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/queue at vidrecipe\.config\.yaml:3:8: redis:\/\/127\.0\.0\.1:1: Redis does not answer at 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\); start it \(docs\/running\.md, "Running on many machines"\) or fix the URL/);
  });

  /** A server that speaks Redis's protocol as Redis 6.2 would (PONG, no LMPOP), its version in INFO unless it refuses INFO. */
  async function oldRedis(info: boolean, test: (port: number) => Promise<void>) {
    const server = createServer((socket) => {
      socket.on('data', (data) => {
        for (const command of data.toString().split('*').slice(1)) {
          const name = /\$\d+\r\n(\w+)/.exec(command)?.[1]?.toUpperCase();
          if (name === 'PING') socket.write('+PONG\r\n');
          else if (name === 'INFO' && info) {
            const text = '# Server\r\nredis_version:6.2.14\r\nloading:0\r\n';
            socket.write(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
          } else if (name === 'INFO' || name === 'LMPOP') socket.write(`-ERR unknown command '${name}', with args beginning with: \r\n`);
          else socket.write('+OK\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await test((server.address() as AddressInfo).port);
    } finally {
      server.close();
    }
  }

  it('a Redis older than 7', async () => {
    await oldRedis(true, async (port) => {
      const { code, stderr } = await run(lines({ queue: `redis://127.0.0.1:${port}` }), ['run', 'recipe.yaml']);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`queue at vidrecipe\\.config\\.yaml:3:8: redis://127\\.0\\.0\\.1:${port}: Redis 6\\.2\\.14 at 127\\.0\\.0\\.1:${port} does not know LMPOP, which vidrecipe's coordinators read their workers' replies with: vidrecipe needs Redis 7 or later; upgrade it`));
    });
  });

  it('a server that refuses INFO, which BullMQ asks when it connects: not taken for one that does not answer', async () => {
    await oldRedis(false, async (port) => {
      const { code, stderr } = await run(lines({ queue: `redis://127.0.0.1:${port}` }), ['run', 'recipe.yaml']);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`queue at vidrecipe\\.config\\.yaml:3:8: redis://127\\.0\\.0\\.1:${port}: the server at 127\\.0\\.0\\.1:${port} refuses INFO \\(ERR unknown command 'INFO'.*\\), which BullMQ and its Redis client ask when they connect; allow INFO for this URL's user \\(its ACL\\), or use a server that answers it`));
    });
  });

  it('a PostgreSQL role that does not exist, and a database that does not', async () => {
    const role = await run(lines({ records: fleet.recordsUrl.replace('postgres@', 'nobody_here@') }), ['run', 'recipe.yaml']);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/records at vidrecipe\.config\.yaml:4:10: .*PostgreSQL refused the credentials \(.*nobody_here.*\); check the user in the URL and PGPASSWORD/);
    const db = await run(lines({ records: 'postgres://postgres@127.0.0.1:5432/no_such_db_here' }), ['run', 'recipe.yaml']);
    expect(db.code).toBe(2);
    expect(db.stderr).toMatch(/records at vidrecipe\.config\.yaml:4:10: .*the database does not exist .*; create it \(createdb no_such_db_here\)/);
  });

  it('an S3 key the server does not know, a missing bucket, a shared folder that is not there', async () => {
    const key = await run(lines({}), ['run', 'recipe.yaml'], { AWS_ACCESS_KEY_ID: 'NOT-A-KEY' });
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/cache at vidrecipe\.config\.yaml:5:8: s3:\/\/fleet\/team: the S3 server at http:\/\/127\.0\.0\.1:\d+ refused the credentials for bucket "fleet".*check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(key.stderr).not.toContain('S3RVER');
    const bucket = await run(lines({ cache: 's3://no-such-bucket/x' }), ['run', 'recipe.yaml']);
    expect(bucket.stderr).toMatch(/has no bucket "no-such-bucket"; create it/);
    const folder = await run(lines({ cache: `file://${join(dir, 'not-mounted')}` }), ['run', 'recipe.yaml']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/cannot use the folder .*not-mounted \(.*ENOENT.*\); mount the shared folder there/);
  });

  it('the worker and status say the same, and without the services configured say how to set them', async () => {
    const worker = await run(lines({ queue: 'redis://127.0.0.1:1' }), ['worker']);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/queue at vidrecipe\.config\.yaml:3:8: .*Redis does not answer/);
    const alone = await run('', ['worker']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/vidrecipe worker takes steps from a shared queue: set queue, records and cache/);
    const status = await run('', ['status']);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/no shared services are configured/);
  });

  it('status on services that answer shows empty queues and an empty shared cache', async () => {
    const { code, stdout, stderr } = await run(lines({}), ['status', '--format', 'json']);
    expect(code, stderr).toBe(0);
    const status = JSON.parse(stdout) as { queues: { queue: string; waiting: number; workers: string[] }[]; cache: { steps: number; blobs: number } };
    expect(status.queues.map((q) => [q.queue, q.waiting, q.workers.length])).toEqual([
      ['wavespeed', 0, 0],
      ['dashscope', 0, 0],
      ['local', 0, 0],
    ]);
    expect(status.cache).toEqual({ steps: 0, blobs: 0, bytes: 0 });
  });
});
