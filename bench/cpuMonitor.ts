import { readFileSync } from 'node:fs';

/** CPU time, in milliseconds, from /proc: all CPUs busy, and the processes we run or drive. */
interface Sample {
  wallMs: number;
  busyMs: number;
  oursMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux.

function procBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields[7] ?? 0)) * TICK_MS;
}

function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * Measures how much CPU other processes took while the benchmark ran: on a 2-core machine a
 * busy neighbour changes every figure (llama.cpp threads spin-wait for a core that is taken), so
 * the report says how quiet the machine was.
 */
export class CpuMonitor {
  private readonly pids = new Set<number>();
  private start: Sample;
  private lastOurs = new Map<number, number>();
  private oursMs = 0;

  constructor() {
    this.start = this.sample();
  }

  /** Counts this process as ours too (e.g. the benchmark's server). */
  track(pid: number | undefined): void {
    if (pid === undefined) return;
    this.pids.add(pid);
    this.lastOurs.set(pid, processCpuMs(pid));
  }

  /** Collects the tracked processes' CPU time so far (call before one exits). */
  poll(): void {
    for (const pid of this.pids) {
      const now = processCpuMs(pid);
      const before = this.lastOurs.get(pid) ?? now;
      if (now >= before) this.oursMs += now - before;
      this.lastOurs.set(pid, now);
    }
  }

  /** Starts a new interval. */
  reset(): void {
    this.poll();
    this.oursMs = 0;
    this.start = this.sample();
  }

  /** Cores' worth of CPU that other processes used since the last reset (0 = quiet, 1 = one full core). */
  othersCores(): number {
    this.poll();
    const now = this.sample();
    const wall = now.wallMs - this.start.wallMs;
    if (wall <= 0) return 0;
    const others = now.busyMs - this.start.busyMs - (now.oursMs - this.start.oursMs) - this.oursMs;
    return Math.max(0, others / wall);
  }

  private sample(): Sample {
    const usage = process.cpuUsage();
    return { wallMs: performance.now(), busyMs: procBusyMs(), oursMs: (usage.user + usage.system) / 1000 };
  }
}
