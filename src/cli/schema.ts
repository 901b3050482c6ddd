import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT, UsageError } from './exit.js';
import { schemaFiles } from './generated.js';

/** `vidrecipe schema [--out DIR]`: writes the JSON Schemas, or prints the recipe schema. */
export function schemaCommand(options: { out?: string }): number {
  const files = schemaFiles();
  if (!options.out) {
    process.stdout.write(files[0]!.content);
    return EXIT.ok;
  }
  for (const file of files) {
    const target = join(options.out, file.path);
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    } catch (error) {
      throw new UsageError(`cannot write ${target}: ${(error as Error).message.replace(/^\w+: /, '')}`);
    }
  }
  process.stdout.write(`wrote ${files.length} schemas to ${options.out}\n`);
  return EXIT.ok;
}
