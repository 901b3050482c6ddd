import { substitute } from '../recipe/expression.js';
import { mediaKindOf, paramShapes } from '../recipe/schema.js';
import { slotValues, toSlot } from '../recipe/slots.js';
import type { Reference, Step } from '../recipe/types.js';
import { UNKNOWN } from '../models/types.js';

/** An upstream leg's output, standing in a leg's parameters until the run has it. */
export class OutputSlot {
  constructor(
    readonly leg: string,
    readonly output: string,
  ) {}

  toString(): string {
    return `<${this.leg}.outputs.${this.output}>`;
  }
}

/**
 * A value a reference stands for in one leg: known before the run (an input, a matrix value, a path made
 * absolute), an upstream leg's output, or the outputs of every leg of a matrix step (fan-in).
 */
export type Bound = unknown;

/**
 * A step's parameters with every expression replaced by what it stands for in one leg. Numbers and flags
 * that fill a slot taking only text become text; one that also takes them as they are (a union) keeps
 * them. A fan-in list written as one item of a list parameter is spliced into it.
 */
export function bindParams(step: Step, lookup: (ref: Reference) => Bound): Record<string, unknown> {
  const filled = substitute(step.with, lookup, (ref) => {
    const value = lookup(ref);
    return value === undefined || typeof value === 'object' ? undefined : String(value);
  }) as Record<string, unknown>;
  const shapes = paramShapes(step.model);
  for (const [name, value] of Object.entries(filled)) {
    const shape = shapes.get(name);
    if (!shape) continue;
    if (shape.kind === 'list' && Array.isArray(value)) filled[name] = value.flat();
    if (mediaKindOf(shape)) continue;
    if (shape.kind !== 'list') filled[name] = toSlot(slotValues(step.model, [name]), value);
    else if (Array.isArray(filled[name])) filled[name] = (filled[name] as unknown[]).map((item) => toSlot(slotValues(step.model, [name, 0]), item));
  }
  return filled;
}

/** Bound parameters with each upstream output replaced: by a placeholder path to parse and price, or UNKNOWN for rules. */
export function withOutputsAs(params: Readonly<Record<string, unknown>>, as: 'placeholder' | 'unknown'): Record<string, unknown> {
  const swap = (value: unknown): unknown => {
    if (value instanceof OutputSlot) return as === 'unknown' ? UNKNOWN : value.toString();
    if (Array.isArray(value)) return value.map(swap);
    return value;
  };
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, swap(v)]));
}

/** Every upstream leg a leg's parameters read. */
export function slotsIn(params: Readonly<Record<string, unknown>>): OutputSlot[] {
  const found: OutputSlot[] = [];
  const walk = (value: unknown) => {
    if (value instanceof OutputSlot) found.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  Object.values(params).forEach(walk);
  return found;
}
