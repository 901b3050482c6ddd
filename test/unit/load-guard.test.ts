import { describe, expect, it } from 'vitest';
import { loadRecipe } from '../../src/recipe/load.js';
import { StructureChecker } from '../../src/recipe/structure.js';

/** A flaw of ours while checking one file is that file's `internal` diagnostic, never a thrown error. */
class BrokenChecker extends StructureChecker {
  override checkRecipe(): never {
    throw new RangeError('Maximum call stack size exceeded');
  }
}

describe('loadRecipe', () => {
  it('turns an unexpected failure into one diagnostic of that file, without a stack trace', () => {
    const text = 'version: 1\nsteps:\n  a: { uses: local/trim, with: { video: x.mp4, duration: 1 } }\n';
    const result = loadRecipe('broken.yaml', { text, checker: new BrokenChecker() });
    expect(result.recipe).toBeUndefined();
    expect(result.diagnostics).toEqual([
      {
        file: 'broken.yaml',
        line: 1,
        col: 1,
        endLine: 1,
        endCol: 1,
        severity: 'error',
        rule: 'internal',
        message: 'vidrecipe could not finish checking this file: Maximum call stack size exceeded. This is a flaw in vidrecipe, not in the recipe; please report it with the file',
        path: '',
      },
    ]);
    // The next file, with a working checker, is checked as usual.
    expect(loadRecipe('ok.yaml', { text }).recipe?.steps.size).toBe(1);
  });
});
