import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkFolder } from '../../src/engine/work-folder.js';
import { makeTmpDir, removeDir } from '../support/media.js';

let tmp: string;

beforeAll(async () => {
  tmp = await makeTmpDir('vidrecipe-work-folder-');
});

afterAll(() => removeDir(tmp));

describe('work folders of tmp/ (runs and workers)', () => {
  it('are signed with their owner, and a dead owner\'s folder is removed by the next one to open a folder', () => {
    // A process that has exited: its pid is free.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const sign = (name: string, owner: object) => {
      mkdirSync(join(tmp, name), { recursive: true });
      writeFileSync(join(tmp, name, '.owner.json'), JSON.stringify(owner));
    };
    sign('worker-dead', { pid: Number(dead), host: hostname() });
    sign('worker-elsewhere', { pid: Number(dead), host: 'another-machine' });
    sign('run-alive', { pid: process.pid, host: hostname() });
    mkdirSync(join(tmp, 'being-made'));

    const dir = openWorkFolder(tmp, 'worker-new');
    expect(JSON.parse(readFileSync(join(dir, '.owner.json'), 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    expect(existsSync(join(tmp, 'worker-dead'))).toBe(false);
    // Another machine's process cannot be asked; a live one, or a folder not signed yet, is left alone.
    for (const kept of ['worker-elsewhere', 'run-alive', 'being-made']) expect(existsSync(join(tmp, kept))).toBe(true);
  });
});
