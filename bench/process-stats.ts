import { readdirSync, readFileSync } from "node:fs";

/** The ids of every process in a process group (a server and its children). */
function groupPids(pgid: number): string[] {
  const pids: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/<pid>/stat is the process group; the name before it may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) pids.push(entry);
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

/** The sum of `read` over every process in a process group; a process that ends meanwhile counts 0. */
function sumOverGroup(pgid: number, read: (pid: string) => number): number {
  let total = 0;
  for (const pid of groupPids(pgid)) {
    try {
      total += read(pid);
    } catch {
      // Gone.
    }
  }
  return total;
}

/** Resident memory, in bytes, of every process in a process group. */
export function groupRss(pgid: number): number {
  return sumOverGroup(pgid, (pid) => {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  });
}

/** CPU time, in seconds, that every process in a process group has used so far. */
export function groupCpuSeconds(pgid: number): number {
  const ticks = sumOverGroup(pgid, (pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields 14 and 15: user and system time, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  });
  return ticks / 100;
}
