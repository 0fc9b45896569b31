import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * CPU time a process has used so far, in seconds, to the nanosecond: the sum of its threads'
 * run time from /proc/<pid>/task/<tid>/schedstat. /proc's stat counts in hundredths of a second,
 * too coarse for the thousand posts of a small room.
 */
export function processCpuSeconds(pid: number): number {
  let nanoseconds = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended while being read.
    }
  }
  return nanoseconds / 1e9;
}

/** The bytes of a Durable Object's SQLite files, by kind. */
export interface StorageBytes {
  database: number;
  wal: number;
  shm: number;
}

/**
 * The bytes of every SQLite file under `storage/` in the working directory of the workerd
 * process `pid` (where the benchmark's workerd keeps its Durable Objects' databases).
 */
export function storageBytes(pid: number): StorageBytes {
  const total: StorageBytes = { database: 0, wal: 0, shm: 0 };
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".sqlite")) total.database += statSync(path).size;
      else if (entry.name.endsWith(".sqlite-wal")) total.wal += statSync(path).size;
      else if (entry.name.endsWith(".sqlite-shm")) total.shm += statSync(path).size;
    }
  };
  visit(join(readlinkSync(`/proc/${pid}/cwd`), "storage"));
  return total;
}
