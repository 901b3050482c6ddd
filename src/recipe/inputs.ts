import { INPUT_TYPES, NAME_PATTERN } from './schema.js';
import { isMap } from './map.js';
import type { RecipeSource } from './source.js';
import type { Diagnostic, InputDecl } from './types.js';
import { KIND_WORDS, describe, mediaWords } from './words.js';

const NAME = new RegExp(NAME_PATTERN);

/** The JavaScript type a default of each input type must have. */
const JS_TYPE: Readonly<Record<InputDecl['type'], string>> = { video: 'string', image: 'string', string: 'string', number: 'number', boolean: 'boolean', list: 'object', table: 'string' };

/** The `inputs:` declarations, with their names and defaults checked. */
export function checkInputs(raw: unknown, source: RecipeSource, diagnostics: Diagnostic[]): Record<string, InputDecl> {
  const inputs: Record<string, InputDecl> = {};
  if (!isMap(raw)) return inputs;
  for (const [name, decl] of Object.entries(raw)) {
    if (!NAME.test(name)) {
      diagnostics.push(
        source.error(['inputs', name], 'input-name', `input name "${name}" must start with a letter or _ and use only letters, digits, _ and -`, { key: true }),
      );
    }
    // A declaration in error (no map, no or an unknown type) still declares the name: references
    // to it resolve, untyped, instead of each becoming a second, misleading error.
    const map = isMap(decl) ? decl : {};
    const type = (INPUT_TYPES as readonly string[]).includes(map.type as string) ? (map.type as InputDecl['type']) : undefined;
    const value = map.default;
    const words = type && (type === 'video' || type === 'image' ? mediaWords(type) : KIND_WORDS[type]);
    const scalar = ['string', 'number', 'boolean'].includes(typeof value);
    if (type && scalar && typeof value !== JS_TYPE[type]) {
      diagnostics.push(source.error(['inputs', name, 'default'], 'input-default', `the default of input "${name}" must be ${words}, got ${describe(value)}`));
    }
    inputs[name] = {
      // Left undefined when in error; a recipe with errors is never returned, so users never see it.
      type: type as InputDecl['type'],
      default: value as InputDecl['default'],
      description: typeof map.description === 'string' ? map.description : undefined,
    };
  }
  return inputs;
}
