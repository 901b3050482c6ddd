import { relative } from 'node:path';
import { stateDistrust } from '../engine/state-trust.js';

/**
 * Said once per command, before anything starts: a state dir whose records this user may not have
 * written (committed to the repository, owned by another user). Returns why, for the run's notices.
 */
export function distrustWarning(stateDir: string): string | undefined {
  const why = stateDistrust(stateDir);
  if (why) {
    const shown = relative(process.cwd(), stateDir) || stateDir;
    process.stderr.write(
      `vidrecipe: warning: the state dir ${shown} may hold records this user did not write: ${why}. Its cached results are reused as they are ` +
        `(--no-cache recomputes them), and a task id it names is re-attached to only with a notice. Keep it out of the repository: ` +
        `add ${shown}/ to .gitignore and run git rm -r --cached ${shown}\n`,
    );
  }
  return why;
}
