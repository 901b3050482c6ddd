import { BACKENDS } from '../models/types.js';
import type { KnownUrl } from '../providers/types.js';
import { isName, type NameKind } from './state-names.js';

/**
 * One checker per kind of record the state dir holds. A record is trusted only after its checker passed:
 * a file that parses as JSON but lacks a field (a hand edit, a tool of another version, a disk that lost
 * a block) is reported as damaged, with what is wrong, instead of failing later far from the cause.
 * Plain checks rather than a schema library: they run on every cache lookup and cost nothing to load.
 * Each returns undefined when the record is sound, else what is wrong with it. The quarantine holds these
 * records, and blobs whose bytes no longer match their name (set aside by `cache verify`).
 */
export type RecordKind = 'step record' | 'url record' | 'lock' | 'task record' | 'blob';

type Problem = string | undefined;
type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function need(record: Obj, field: string, ok: (v: unknown) => boolean, what: string, optional = false): Problem {
  const value = record[field];
  if (value === undefined) return optional ? undefined : `"${field}" is missing`;
  return ok(value) ? undefined : `"${field}" is not ${what}`;
}

const named = (kind: NameKind) => (v: unknown) => isName(kind, v);
const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isBackend = (v: unknown) => (BACKENDS as readonly unknown[]).includes(v);

function first(...problems: Problem[]): Problem {
  return problems.find((p) => p !== undefined);
}

export function stepRecordProblem(value: unknown, key: string): Problem {
  if (!isObject(value)) return 'not a JSON object';
  if (value.format !== 1) return `"format" is ${JSON.stringify(value.format)}, not 1`;
  if (value.key !== key) return `"key" does not match the file name`;
  return first(
    need(value, 'model', isString, 'a model id'),
    need(value, 'specVersion', isCount, 'a number'),
    need(value, 'backend', isBackend, `one of ${BACKENDS.join(', ')}`),
    need(value, 'step', isString, 'a step id'),
    need(value, 'run', named('run id'), 'a run id'),
    need(value, 'createdAt', isTime, 'a time'),
    need(value, 'durationMs', isCount, 'a duration'),
    need(value, 'costUsd', isCount, 'an amount'),
    need(value, 'taskId', named('task id'), 'a task id', true),
    need(value, 'outputs', isObject, 'an object of outputs'),
    ...Object.entries(isObject(value.outputs) ? value.outputs : {}).map(([name, o]) => outputProblem(name, o)),
    need(value, 'remoteUrls', isObject, 'an object of URLs', true),
    ...Object.entries(isObject(value.remoteUrls) ? value.remoteUrls : {}).map(([name, u]) => (isKnownUrl(u) ? undefined : `"remoteUrls.${name}" is not a URL with an optional expiry`)),
  );
}

function outputProblem(name: string, output: unknown): Problem {
  if (!isObject(output)) return `output "${name}" is not an object`;
  if (!isName('digest', output.digest)) return `output "${name}" has no sha256 digest`;
  if (output.kind !== 'video' && output.kind !== 'image') return `output "${name}" has no media kind`;
  if (!isName('extension', output.ext)) return `output "${name}" has no file extension`;
  return undefined;
}

function isKnownUrl(value: unknown): value is KnownUrl {
  return isObject(value) && typeof value.url === 'string' && (value.expiresAt === undefined || isTime(value.expiresAt)) && (value.scope === undefined || typeof value.scope === 'string');
}

export function urlRecordProblem(value: unknown): Problem {
  if (!Array.isArray(value)) return 'not a list of URLs';
  const bad = value.findIndex((entry) => !isKnownUrl(entry));
  return bad >= 0 ? `entry ${bad + 1} is not a URL with an optional expiry` : undefined;
}

export function lockProblem(value: unknown): Problem {
  if (!isObject(value)) return 'not a JSON object';
  return first(
    need(value, 'pid', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a process id'),
    need(value, 'host', (v) => typeof v === 'string', 'a host name'),
    need(value, 'run', named('run id'), 'a run id'),
    // Only shown to people: the lease (renewedAt) is what is checked.
    need(value, 'at', (v) => typeof v === 'string', 'a time'),
    need(value, 'token', isString, 'a token', true),
    need(value, 'renewedAt', isTime, 'a time', true),
    need(value, 'leaseMs', (v) => isCount(v) && (v as number) > 0, 'a duration', true),
  );
}

export function taskRecordProblem(value: unknown, key: string): Problem {
  if (!isObject(value)) return 'not a JSON object';
  if (value.key !== key) return `"key" does not match the file name`;
  return first(
    need(value, 'state', (v) => v === 'intent' || v === 'submitted', '"intent" or "submitted"'),
    need(value, 'step', isString, 'a step id'),
    need(value, 'run', named('run id'), 'a run id'),
    need(value, 'backend', isBackend, `one of ${BACKENDS.join(', ')}`),
    need(value, 'model', isString, 'a model id'),
    need(value, 'intentAt', isTime, 'a time'),
    need(value, 'host', (v) => typeof v === 'string', 'a host name', true),
    value.state === 'submitted' ? need(value, 'taskId', named('task id'), 'a task id') : need(value, 'taskId', named('task id'), 'a task id', true),
    need(value, 'submittedAt', isTime, 'a time', true),
  );
}

/** A record's text, parsed and checked: the record, or what is wrong with it. */
export type Checked<T> = { record: T } | { problem: string };

export function parseRecord<T>(text: string, problemOf: (value: unknown) => Problem): Checked<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: text.trim() ? 'not JSON' : 'empty' };
  }
  const problem = problemOf(value);
  return problem === undefined ? { record: value as T } : { problem };
}
