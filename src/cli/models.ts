import { MODELS, MODEL_IDS, findModel } from '../models/catalog.js';
import { didYouMean } from '../recipe/suggest.js';
import { EXIT, UsageError } from './exit.js';
import { modelJson, modelText, modelsText } from './format/models.js';

export interface ModelsOptions {
  format: 'text' | 'json';
}

/** `vidrecipe models [ID]`: the catalog, or one model's parameter table. */
export function modelsCommand(id: string | undefined, options: ModelsOptions): number {
  if (id === undefined) {
    process.stdout.write(options.format === 'json' ? `${JSON.stringify(MODELS.map(modelJson), null, 2)}\n` : modelsText(MODELS));
    return EXIT.ok;
  }
  const model = findModel(id);
  if (!model) throw new UsageError(`unknown model "${id}"${didYouMean(id, MODEL_IDS) || '; run `npx vidrecipe models` to list the catalog'}`);
  process.stdout.write(options.format === 'json' ? `${JSON.stringify(modelJson(model), null, 2)}\n` : modelText(model));
  return EXIT.ok;
}
