import { readFileSync } from 'node:fs';

/** The text of a recipe, or undefined when unreadable (the loader then reports why, with the file name). */
export function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
