// The peak resident set of this process, in KiB.
import { readFileSync } from 'node:fs';

/**
 * VmHWM, not resourceUsage().maxRSS: Linux carries ru_maxrss over exec, so a child would report the bench
 * process's own peak when that is higher.
 */
export function peakKb() {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? process.resourceUsage().maxRSS);
}
