#!/usr/bin/env node
// The steps of the vidrecipe GitHub Action (action.yml). Each phase runs the CLI, publishes what a
// reviewer reads (step summary, a PR comment file, step outputs) and records its exit code instead of
// failing at once, so every phase runs and `finish` fails the job with the first problem.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/vidrecipe.js', import.meta.url));

/** @param {string} name */
function input(name) {
  return (process.env[`INPUT_${name.replace(/[ -]/g, '_').toUpperCase()}`] ?? '').trim();
}

/** @param {string} name @returns {string[]} */
function lines(name) {
  return input(name).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/**
 * A recipes line as a shell would expand it, without a shell: `*` and `?` in the file name (not in
 * folders), sorted; a pattern that matches nothing is kept, so validate names the missing file.
 * @param {string} pattern
 */
function expand(pattern) {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => re.test(n) && !n.startsWith('.')).sort();
  } catch {
    // a missing folder: validate says so
  }
  return names.length ? names.map((n) => (dir === '.' ? n : join(dir, n))) : [pattern];
}

/** @param {string[]} args */
function vidrecipe(args) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Appends `name=value` to a GitHub file command (GITHUB_OUTPUT), with a heredoc for multi-line values. */
function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) return;
  const text = String(value);
  if (!text.includes('\n')) return appendFileSync(file, `${name}=${text}\n`);
  const delimiter = `vidrecipe_${Math.random().toString(36).slice(2)}`;
  appendFileSync(file, `${name}<<${delimiter}\n${text}\n${delimiter}\n`);
}

function summary(markdown) {
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${markdown.trimEnd()}\n\n`);
}

/** The comment a workflow posts on the pull request: the plan, then the run's report. */
function commentFile() {
  const dir = join(process.env.RUNNER_TEMP || process.cwd(), 'vidrecipe');
  mkdirSync(dir, { recursive: true });
  return join(dir, 'comment.md');
}

function addToComment(markdown) {
  const file = commentFile();
  appendFileSync(file, `${markdown.trimEnd()}\n\n`);
  setOutput('comment-file', file);
}

/** Where the workflow run's artifacts are listed: posters and videos are there, not in the comment. */
function artifactLink() {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = process.env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}

/**
 * report.md links its posters relative to the run folder, which a PR comment cannot show: each image
 * becomes a link to the uploaded artifact (or its plain alt text without one), so no image is broken.
 */
function forComment(reportMarkdown, link) {
  const named = input('artifact-name') || 'vidrecipe-run';
  return reportMarkdown.replace(/!\[([^\]]*)\]\(([^)]*)\)/g, (_, alt) => (link ? `[${alt || 'poster'} (in the \`${named}\` artifact)](${link})` : alt || 'poster'));
}

function record(phase, code) {
  setOutput(`${phase}-exit-code`, code);
}

const phases = {
  /** A new comment for each use of the action, even when a job uses it twice. */
  start() {
    rmSync(commentFile(), { force: true });
    return 0;
  },

  validate() {
    const recipes = lines('recipes').flatMap(expand);
    if (!recipes.length) return 0;
    // Annotations on the diff: the runner reads these workflow commands from stdout.
    const github = vidrecipe(['validate', '--format', 'github', ...recipes]);
    process.stdout.write(github.stdout);
    process.stderr.write(github.stderr);
    const count = (severity) => github.stdout.split('\n').filter((line) => line.startsWith(`::${severity} `)).length;
    // A failure that printed no annotation (a crash, a usage error) still counts as one error.
    const errors = count('error') || (github.code === 0 ? 0 : 1);
    const warnings = count('warning');
    const verdict = errors ? `❌ ${errors} error${errors === 1 ? '' : 's'}` : '✅ valid';
    summary(`### vidrecipe validate: ${verdict}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n\n${recipes.map((r) => `- \`${r}\``).join('\n')}`);
    record('validate', github.code);
    return github.code;
  },

  plan() {
    const recipe = input('recipe');
    if (!recipe) return 0;
    const args = ['plan', recipe, '--format', 'markdown', ...common()];
    if (input('explain') === 'true') args.push('--explain');
    const result = vidrecipe(args);
    process.stderr.write(result.stderr);
    const body = result.stdout.trim() ? result.stdout : `### vidrecipe plan: \`${recipe}\` cannot be planned\n\n\`\`\`\n${result.stderr.trim()}\n\`\`\``;
    summary(body);
    addToComment(body);
    record('plan', result.code);
    return result.code;
  },

  run() {
    const recipe = input('recipe');
    if (!recipe || input('run') !== 'true') return 0;
    const args = ['run', recipe, '--json', ...common()];
    if (input('max-cost')) args.push('--max-cost', input('max-cost'));
    if (input('out')) args.push('--out', input('out'));
    const result = vidrecipe(args);
    process.stderr.write(result.stderr);
    let report;
    try {
      report = JSON.parse(result.stdout);
    } catch {
      report = { status: 'error', message: result.stderr.trim().split('\n').pop() };
    }
    setOutput('status', report.status);
    setOutput('cost-usd', report.cost_usd ?? 0);
    if (report.run_id) setOutput('run-id', report.run_id);
    // Absolute: the state dir may be outside the working directory, and upload-artifact refuses `..`.
    const reportDir = report.report ? resolve(report.report) : '';
    setOutput('report-dir', reportDir);
    const first = Object.values(report.outputs ?? {})[0];
    setOutput('out-dir', first ? resolve(dirname(String(first))) : '');
    const md = reportDir && existsSync(join(reportDir, 'report.md')) ? readFileSync(join(reportDir, 'report.md'), 'utf8') : undefined;
    const body = md ? forComment(md, artifactLink()) : refusal(recipe, report, result.stderr);
    summary(body);
    addToComment(body);
    record('run', result.code);
    return result.code;
  },

  /** Fails the job with the first phase's problem, after every phase had its say. */
  finish() {
    for (const phase of ['validate', 'plan', 'run']) {
      const code = Number(process.env[`VIDRECIPE_${phase.toUpperCase()}_EXIT_CODE`] || 0);
      if (code) {
        process.stderr.write(`vidrecipe ${phase} exited ${code}\n`);
        return code;
      }
    }
    return 0;
  },
};

function common() {
  const args = [];
  for (const pair of lines('inputs')) args.push('--input', pair);
  if (input('offline') === 'true') args.push('--offline');
  if (input('state-dir')) args.push('--state-dir', input('state-dir'));
  return args;
}

function refusal(recipe, report, stderr) {
  const why = report.message ?? 'the run did not start';
  const diagnostics = (report.diagnostics ?? []).map((d) => `- \`${d.file}:${d.line}:${d.col}\` ${d.severity}: ${d.message} [${d.rule}]`);
  return [`## vidrecipe run: \`${recipe}\` ⛔ not run`, '', why, '', ...diagnostics, ...(diagnostics.length || !stderr.trim() ? [] : ['```', stderr.trim(), '```'])].join('\n');
}

const phase = process.argv[2];
if (!(phase in phases)) {
  process.stderr.write(`usage: main.mjs ${Object.keys(phases).join('|')}\n`);
  process.exit(2);
}
if (input('working-directory')) process.chdir(resolve(input('working-directory')));
const code = phases[phase]();
// Every phase but finish reports and lets the next one run.
process.exit(phase === 'finish' ? code : 0);
