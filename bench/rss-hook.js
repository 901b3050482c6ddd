// Preloaded with `node --import` into a CLI process under measurement: at exit it writes the process's peak
// resident set (KiB) to the file named by VIDRECIPE_BENCH_RSS, so the parent reads the CLI's own peak.
import { writeFileSync } from 'node:fs';
import { peakKb } from './peak-memory.js';

const file = process.env.VIDRECIPE_BENCH_RSS;
if (file) process.on('exit', () => writeFileSync(file, String(peakKb())));
