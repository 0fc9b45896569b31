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

/** Resident memory, in bytes, of every process in a process group. */
export function groupRss(pgid: number): number {
  let total = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      if (kb) total += Number(kb) * 1024;
    } catch {
      // Gone.
    }
  }
  return total;
}

/** CPU time, in seconds, that every process in a process group has used so far. */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const pid of groupPids(pgid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields 14 and 15: user and system time, in clock ticks (100 a second on Linux).
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone.
    }
  }
  return ticks / 100;
}
