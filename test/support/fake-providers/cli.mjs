#!/usr/bin/env node
// @ts-check
// Runs both fakes until Ctrl-C, so remote recipes can run offline: `npm run fake-providers -- --help`.
import { parseArgs } from 'node:util';
import { startFakeDashScope, startFakeWaveSpeed } from './index.mjs';

const HELP = `Usage: npm run fake-providers -- [options]

Starts a fake WaveSpeed and a fake DashScope on 127.0.0.1 and prints the environment to point
vidrecipe at them. Stops on Ctrl-C.

Options:
  --wavespeed-port N     port of the fake WaveSpeed (default 8701; 0 = any free port)
  --dashscope-port N     port of the fake DashScope (default 8702; 0 = any free port)
  --task-seconds S       processing time of each task once it starts (default 5)
  --concurrency N        tasks processing at once per provider; more wait queued (default 2)
  --fail-rate P          probability in [0, 1] that a task fails (default 0)
  --latency-ms N         added to every response (default 0)
  --wavespeed-rate R     submissions allowed per window, e.g. 2/min or 5/s (default: unlimited)
  --dashscope-rate R     same for DashScope, e.g. 2/s (default: unlimited)
  --region intl|cn       DashScope region: intl takes wan2.1-vace-plus, cn wanx2.1-vace-plus (default intl)
  --unpaid               both accounts refuse submissions for want of balance
  --no-ticket-upload     WaveSpeed answers 404 to the ticket upload, leaving the binary upload
  --wavespeed-key K      the key the fake WaveSpeed accepts (default fake-wavespeed-key)
  --dashscope-key K      the key the fake DashScope accepts (default fake-dashscope-key)
  --quiet                do not log requests
  -h, --help             this help
`;

/** @param {string} message @returns {never} */
function usage(message) {
  process.stderr.write(`fake-providers: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        'wavespeed-port': { type: 'string', default: '8701' },
        'dashscope-port': { type: 'string', default: '8702' },
        'task-seconds': { type: 'string', default: '5' },
        concurrency: { type: 'string', default: '2' },
        'fail-rate': { type: 'string', default: '0' },
        'latency-ms': { type: 'string', default: '0' },
        'wavespeed-rate': { type: 'string' },
        'dashscope-rate': { type: 'string' },
        region: { type: 'string', default: 'intl' },
        unpaid: { type: 'boolean', default: false },
        'no-ticket-upload': { type: 'boolean', default: false },
        'wavespeed-key': { type: 'string', default: 'fake-wavespeed-key' },
        'dashscope-key': { type: 'string', default: 'fake-dashscope-key' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
}
const args = parse();
if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

/** @param {string} name @param {number} min @param {number} max */
function number(name, min, max) {
  const text = /** @type {string} */ (/** @type {Record<string, unknown>} */ (args)[name]);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) usage(`--${name} must be a number in [${min}, ${max}], got "${text}"`);
  return value;
}

/** @param {string | undefined} text @param {string} name */
function rate(text, name) {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(s|sec|second|min|minute)$/.exec(text.trim());
  if (!m) return usage(`--${name} must look like 2/s or 2/min, got "${text}"`);
  return { count: Number(m[1]), perMs: m[2]?.startsWith('s') ? 1000 : 60_000 };
}

if (args.region !== 'intl' && args.region !== 'cn') usage(`--region must be intl or cn, got "${args.region}"`);

const clock = () => new Date().toISOString().slice(11, 23);
/** @param {string} name */
const logger = (name) =>
  args.quiet
    ? undefined
    : (/** @type {import('./index.d.mts').LoggedRequest} */ req) => {
        const query = Object.keys(req.query).length > 0 ? `?${new URLSearchParams(req.query)}` : '';
        process.stdout.write(`${clock()} ${name} ${req.method} ${req.path}${query} → ${req.dropped ? 'dropped' : req.status}\n`);
      };

const common = {
  taskMs: number('task-seconds', 0, 3600) * 1000,
  concurrency: number('concurrency', 1, 1000),
  failRate: number('fail-rate', 0, 1),
  latencyMs: number('latency-ms', 0, 600_000),
  account: /** @type {'ok' | 'unpaid'} */ (args.unpaid ? 'unpaid' : 'ok'),
};

const ws = await startFakeWaveSpeed({
  ...common,
  apiKey: /** @type {string} */ (args['wavespeed-key']),
  port: number('wavespeed-port', 0, 65535),
  rate: rate(args['wavespeed-rate'], 'wavespeed-rate'),
  ticketUpload: !args['no-ticket-upload'],
  onRequest: logger('wavespeed'),
});
const ds = await startFakeDashScope({
  ...common,
  apiKey: /** @type {string} */ (args['dashscope-key']),
  port: number('dashscope-port', 0, 65535),
  rate: rate(args['dashscope-rate'], 'dashscope-rate'),
  region: /** @type {'intl' | 'cn'} */ (args.region),
  onRequest: logger('dashscope'),
});

process.stdout.write(
  [
    'Fake providers running. In another shell:',
    '',
    `export WAVESPEED_BASE_URL=${ws.url}`,
    `export WAVESPEED_API_KEY=${args['wavespeed-key']}`,
    `export DASHSCOPE_BASE_URL=${ds.url}`,
    `export DASHSCOPE_API_KEY=${args['dashscope-key']}`,
    '',
    'Ctrl-C stops them.',
    '',
  ].join('\n'),
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await Promise.all([ws.close(), ds.close()]);
  process.stdout.write('Fake providers stopped.\n');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
