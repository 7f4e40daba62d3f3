import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const HZ = 100;

/** CPU seconds (user + system, all threads) a process has used, or NaN if it is gone. */
export function cpuSeconds(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / HZ; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/** Resident set size of a process in bytes, or NaN if it is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
function machineJiffies(): { busy: number; total: number; irq: number; cores: number } {
  try {
    const text = readFileSync('/proc/stat', 'latin1');
    const f = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
      f;
    const busy = user + nice + system + irq + softirq + steal;
    const cores = (text.match(/^cpu\d+ /gm) ?? []).length || 1;
    return { busy, total: busy + idle + iowait, irq: irq + softirq, cores };
  } catch {
    return { busy: NaN, total: NaN, irq: NaN, cores: 1 };
  }
}

/** Measures CPU share (1.0 = one core) of some processes, and of the whole machine, over a window. */
export class CpuMeter {
  private t0 = 0;
  private c0: number[] = [];
  private m0 = machineJiffies();
  constructor(private readonly pids: Array<number | 'self'>) {}
  start(): void {
    this.t0 = performance.now();
    this.c0 = this.pids.map(cpuSeconds);
    this.m0 = machineJiffies();
  }
  /** CPU share of each process since start(), in cores. */
  read(): number[] {
    const dt = (performance.now() - this.t0) / 1000;
    return this.pids.map((p, i) => (cpuSeconds(p) - this.c0[i]!) / dt);
  }
  /** Cores the whole machine was busy since start() (every process, kernel included). */
  machine(): number {
    const m = machineJiffies();
    return ((m.busy - this.m0.busy) / (m.total - this.m0.total)) * m.cores;
  }
  /**
   * Cores spent in interrupt and softirq context since start(): on loopback that is mostly the
   * kernel moving TCP segments between the server and the load generator, which no process's
   * own CPU time includes.
   */
  kernel(): number {
    const m = machineJiffies();
    return ((m.irq - this.m0.irq) / (m.total - this.m0.total)) * m.cores;
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Open-files limit of this process (soft), from /proc. */
export function openFilesLimit(pid: number | 'self' = 'self'): number {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'latin1');
    const m = /Max open files\s+(\d+)/.exec(limits);
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}
