import { spawn } from 'node:child_process';

/**
 * Opens a file with the platform's opener (or `$BROWSER`, as xdg-open and git do), without waiting for
 * it. Resolves with why it could not, or undefined once the opener started.
 */
export function openFile(file: string): Promise<string | undefined> {
  const browser = process.env.BROWSER?.trim();
  const [bin, args] = browser
    ? [browser, [file]]
    : process.platform === 'darwin'
      ? ['open', [file]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', file]]
        : ['xdg-open', [file]];
  return new Promise((resolve) => {
    const child = spawn(bin, args, { detached: true, stdio: 'ignore' });
    child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT' ? `${bin} was not found` : error.message));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
