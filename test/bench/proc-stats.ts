/**
 * CPU and memory of process trees on Linux, from /proc: for the benchmarks that measure a browser (all of its
 * processes and threads) or a server in a child process.
 * @module
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Pids of a process and all its descendants. */
export function processTree(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (kids.get(ppid) ?? kids.set(ppid, []).get(ppid)!).push(Number(name));
    } catch {}
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** The pid of the browser (Chromium's main process, not one of its `--type=` children) launched by this process. */
export function launchedBrowser(): number | undefined {
  return processTree(process.pid).find((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return p !== process.pid && cmd.includes('chromium') && !cmd.includes('--type=');
    } catch {
      return false;
    }
  });
}

/** RSS of a process tree, bytes. */
export function treeRss(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]) * 1024;
    } catch {}
  }
  return total;
}

const TICKS = 100; // USER_HZ
/** CPU seconds (user + system, all threads) used so far by a process tree. */
export function treeCpu(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks / TICKS;
}

/** CPU seconds of every thread of a process tree, by tid, with its name (comm, digits folded to `#`). */
export function threadCpu(pid: number): Map<string, { name: string; s: number }> {
  const out = new Map<string, { name: string; s: number }>();
  for (const p of processTree(pid)) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {}
    for (const t of tasks) {
      try {
        const stat = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '#');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${p}/${t}`, { name, s: (Number(f[11]) + Number(f[12])) / TICKS });
      } catch {}
    }
  }
  return out;
}

/**
 * Per-thread CPU over a run from periodic {@link threadCpu} snapshots (threads that start and end within the run,
 * like hash workers, are caught by the sampling): the busiest thread names.
 */
export function threadTracker(pid: number) {
  const first = threadCpu(pid);
  const last = new Map(first);
  return {
    sample() {
      for (const [tid, v] of threadCpu(pid)) last.set(tid, v);
    },
    /** CPU seconds of the threads named `name`. */
    of(name: string): number {
      let s = 0;
      for (const [tid, v] of last) if (v.name === name) s += v.s - (first.get(tid)?.s ?? 0);
      return s;
    },
    /** The `top` busiest, by thread name (threads of one name summed), or each thread apart (`tid name`). */
    busiest(top = 6, eachThread = false): string {
      const byName = new Map<string, number>();
      for (const [tid, v] of last) {
        const label = eachThread ? `${tid.split('/')[1]} ${v.name}` : v.name;
        byName.set(label, (byName.get(label) ?? 0) + v.s - (first.get(tid)?.s ?? 0));
      }
      return [...byName]
        .filter(([, s]) => s >= 0.05)
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, s]) => `${name} ${s.toFixed(1)}`)
        .join(', ');
    },
  };
}
