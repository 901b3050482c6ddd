import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { EXIT, UsageError } from './exit.js';
import { guardOutput } from './output.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

function program(): Command {
  const cli = new Command('vidrecipe')
    .description('AI video editing as code: validate, plan (with the cost, before anything runs) and run YAML recipes, cached and resumable.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  cli
    .command('validate')
    .description('check recipes and report every problem with its line and column')
    .argument('<recipe...>', 'recipe files')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
    .option('--config <file>', 'check this config file (default: vidrecipe.config.yaml in the working directory, when present)')
    // Each command is loaded on use: `--help` needs none of them, `validate` neither Zod nor the engine.
    .action(async (files: string[], opts) => finish(await (await import('./validate.js')).validateCommand(files, opts)));

  recipeCommand(cli, 'plan')
    .description('show the steps in order, where each runs, what is cached and the estimated cost')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'mermaid']).default('text'))
    .option('--state-dir <dir>', 'where the cache is looked up', DEFAULT_STATE_DIR)
    .option('--no-cache', 'plan as `run --no-cache` would: every step recomputed')
    .option('--force <step>', 'plan as `run --force STEP` would (repeatable)', collect, [])
    .action(async (file: string, opts) => finish(await (await import('./plan.js')).planCommand(file, opts)));

  recipeCommand(cli, 'run')
    .description('run a recipe: cached steps are reused, the rest run within each backend\'s limits')
    .option('--out <dir>', 'copy the recipe outputs here (default: out/<recipe name>/)')
    .option('--state-dir <dir>', 'cache, journals and reports', DEFAULT_STATE_DIR)
    .option('--max-cost <usd>', 'refuse to start when the uncached steps are estimated above this (exit 3)')
    .option('--no-cache', 'recompute every step (results are still stored)')
    .option('--force <step>', 'recompute this step even when cached (repeatable)', collect, [])
    .option('--json', 'print one JSON object on stdout when done, no progress', false)
    .action(async (file: string, opts) => finish(await (await import('./run.js')).runCommand(file, opts)));

  cli
    .command('models')
    .description('list the model catalog, or show one model\'s parameters')
    .argument('[id]', 'model id')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (id: string | undefined, opts) => finish((await import('./models.js')).modelsCommand(id, opts)));

  cli
    .command('schema')
    .description('print the recipe JSON Schema, or write all schemas to a folder')
    .option('--out <dir>', 'write recipe.schema.json and models/<id>.schema.json here')
    .action(async (opts) => finish((await import('./schema.js')).schemaCommand(opts)));

  const runs = cli
    .command('runs')
    .description('list past runs, newest first: id, recipe, status, cost, time')
    .option('--state-dir <dir>', 'where the runs are', DEFAULT_STATE_DIR)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => finish((await import('./runs.js')).runsCommand(opts)));
  runs
    .command('show')
    .description("print a run's report.md (ID, a unique prefix of it, or \"last\"); --open opens its report.html")
    .argument('<id>', 'run id, a unique prefix, or last')
    .option('--state-dir <dir>', 'where the runs are', DEFAULT_STATE_DIR)
    .option('--open', "open the run's report.html in a browser and print its path", false)
    // `runs show last --state-dir X`: commander hands an option written after the subcommand to `runs`
    // when both declare it, so the parent's value counts when this one was left at its default.
    .action(async (id: string, opts) => finish(await (await import('./runs.js')).runsShowCommand(id, { ...opts, stateDir: opts.stateDir === DEFAULT_STATE_DIR ? runs.opts().stateDir : opts.stateDir })));

  // Options live on the subcommands only: on `cache` too, commander would take them from `cache du --format json`.
  const cache = cli.command('cache').description('the state dir: its size by kind (du, the default), cleaning it up (gc), checking every blob (verify)');
  stateCommand(cache.command('du', { isDefault: true }))
    .description('size of the state dir by kind: blobs, step records, task records, runs, previews, history, upload URLs, quarantine, tmp, locks')
    .action(async (opts) => finish((await import('./cache.js')).cacheDuCommand(opts)));
  stateCommand(cache.command('gc'))
    .description('remove what was last used long ago, or the least recently used down to a size; never what a remote task or a run in progress needs')
    .option('--older-than <age>', 'remove what was last used longer ago than this, e.g. 30d, 12h (the default is 30d unless --max-size is given)')
    .option('--max-size <size>', 'then remove the least recently used until the state dir is at most this big, e.g. 5GB, 500MB')
    .option('--dry-run', 'say what would be removed, remove nothing', false)
    .action(async (opts) => finish((await import('./cache.js')).cacheGcCommand(opts)));
  stateCommand(cache.command('verify'))
    .description('hash every blob again; set damaged ones aside so the next run recomputes their steps (exit 1 when any was damaged)')
    .action(async (opts) => finish(await (await import('./cache.js')).cacheVerifyCommand(opts)));

  cli
    .command('worker')
    .description('many machines: run steps from the shared queues until stopped (SIGTERM finishes the running steps; a second signal hands them back)')
    .option('--backends <list>', 'queues to take steps from, comma-separated: wavespeed, dashscope, local (default: local and every provider whose API key is set)')
    .option('--concurrency <n>', 'steps at once per queue on this worker (default: the account\'s concurrency for a provider, one per core for local)')
    .option('--lease <duration>', 'a step stays this worker\'s this long without renewal; then another worker takes it over', '30s')
    .option('--state-dir <dir>', 'this worker\'s local cache and journal', DEFAULT_STATE_DIR)
    .option('--config <file>', 'queue, records, cache and limits (default: vidrecipe.config.yaml in the working directory)')
    .action(async (opts) => finish(await (await import('./worker.js')).workerCommand(opts)));

  cli
    .command('status')
    .description('many machines: the queues, the workers alive, what is in flight per account, the shared cache')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--config <file>', 'queue, records and cache (default: vidrecipe.config.yaml in the working directory)')
    .action(async (opts) => finish(await (await import('./status.js')).statusCommand(opts)));

  return cli;
}

const DEFAULT_STATE_DIR = '.vidrecipe';

/** `cache` and its subcommands read one state dir and print text or JSON. */
function stateCommand(command: Command): Command {
  return command.option('--state-dir <dir>', 'the state dir', DEFAULT_STATE_DIR).addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
}

/** `plan` and `run` take a recipe the same way: its file, input overrides, and the offline switch. */
function recipeCommand(cli: Command, name: string): Command {
  return cli
    .command(name)
    .argument('<recipe>', 'recipe file')
    .option('--input <name=value>', 'override a recipe input (repeatable)', collect, [])
    .option('--offline', 'run remote models on their local implementation', false)
    .option('--explain', 'say why each step that is not cached runs, against its last finished result', false)
    .option('--config <file>', 'limits and endpoints (default: vidrecipe.config.yaml in the working directory, when present)')
    .option('--allow-path <dir>', 'let the recipe name media files in this folder, outside its work tree (repeatable)', collect, []);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function finish(code: number): void {
  process.exitCode = code;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  guardOutput();
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every usage mistake is exit 2, as documented.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`vidrecipe: ${error.message}\n`);
      process.exitCode = EXIT.invalid;
      return;
    }
    // Something outside any step (an unwritable state dir, a full disk): say what, not a stack trace.
    process.stderr.write(`vidrecipe: error: ${error instanceof Error ? error.message : String(error)}${process.env.VIDRECIPE_DEBUG && error instanceof Error ? `\n${error.stack}` : ''}\n`);
    process.exitCode = EXIT.stepFailed;
  }
}
