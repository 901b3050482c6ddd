import { hash } from 'node:crypto';
import type { PlannedStep } from '../graph/plan.js';
import type { Diagnostic } from '../recipe/types.js';

/** How messages name a leg: `step "remove"`, or `leg remove[shot=a]` of a matrix step. */
export function legName(leg: Pick<PlannedStep, 'id' | 'step'>): string {
  return leg.id === leg.step ? `step "${leg.id}"` : `leg ${leg.id}`;
}

/** `--force STEP` forces every leg of the step; `--force 'STEP[axis=value]'` one leg. */
export function forced(force: ReadonlySet<string>, leg: Pick<PlannedStep, 'id' | 'step'>): boolean {
  return force.has(leg.id) || force.has(leg.step);
}

/**
 * Diagnostics about legs, each said once per place and problem: the 300 legs of a batch that share one
 * missing file in their `with` make one error, not 300 (naming the first leg found), while three rows of a
 * table that each name a missing file make three.
 */
export class OncePerSpot {
  private readonly seen = new Set<string>();

  constructor(private readonly into: Diagnostic[]) {}

  /** `problem`: the message without the leg's name, which tells one problem from another. */
  once(problem: string, diagnostic: Diagnostic): void {
    const key = `${diagnostic.file}:${diagnostic.line}:${diagnostic.col}:${diagnostic.rule}:${problem}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.into.push(diagnostic);
  }
}

/** `--force` for a leg, quoted for a shell when its id holds brackets or other special characters. */
export function forceFlag(id: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(id) ? `--force ${id}` : `--force '${id.replace(/'/g, `'\\''`)}'`;
}

/** A file name for a leg's work folder: readable, and distinct for distinct legs. */
export function legFileName(id: string): string {
  const readable = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return readable === id ? id : `${readable}-${hash('sha256', id, 'hex').slice(0, 8)}`;
}
