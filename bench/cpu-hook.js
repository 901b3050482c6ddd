// Preloaded with `node --import` into a CLI process under measurement: at exit it writes the CPU time the
// process used (user + system, ms) to the file named by VIDRECIPE_BENCH_CPU.
import { writeFileSync } from 'node:fs';

const file = process.env.VIDRECIPE_BENCH_CPU;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, String((user + system) / 1000));
  });
}
