import { execFileSync } from "node:child_process";

/**
 * Descriptors a process keeps for other things than readers' sockets: the generator's stdio,
 * event loop and publishing connections; workerd's listening sockets, inspector and the room's
 * SQLite files (35 when idle), and sockets a cut-off reader leaves while it reconnects.
 */
const SET_ASIDE = 200;

/** workerd holds each HTTP connection it accepts twice (it dup()s the socket): measured, 4,047 descriptors at 2,000 readers. */
const WORKERD_DESCRIPTORS_PER_READER = 2;

/** The open files a process here may hold at most (the hard limit, which only a privileged process can raise). */
export function hardDescriptorLimit(): number {
  const limit = execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim();
  return limit === "unlimited" ? Number.POSITIVE_INFINITY : Number(limit);
}

/** The most readers one workerd can hold here, each of them two descriptors in it. */
export function mostReadersHere(): number {
  return Math.floor((hardDescriptorLimit() - SET_ASIDE) / WORKERD_DESCRIPTORS_PER_READER);
}
