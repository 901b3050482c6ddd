/** Exit codes, as documented in README.md. */
export const EXIT = {
  ok: 0,
  stepFailed: 1,
  invalid: 2,
  budget: 3,
  interrupted: 130,
} as const;

/** A problem with how the command was called; printed without a stack and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
