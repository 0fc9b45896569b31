/**
 * Process groups this process started and has not ended yet. A server runs in a group of its own,
 * so that one kill also reaches what it starts (wrangler runs workerd as a child); but that takes
 * it out of the terminal's foreground group, so Ctrl-C no longer reaches it, and nothing ends it
 * when this process dies. So whatever groups are still running when this process exits are ended
 * here, and SIGINT, SIGTERM and SIGHUP are made to exit through that too.
 */
interface Registry {
  live: Set<number>;
}

// Kept on the process rather than in this module, so that a module evaluated more than once in
// one process (a test runner's fresh module graph per file) still installs its handlers once.
const KEY = Symbol.for("edge-chat.test-support.process-groups");

function registry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  let registry = holder[KEY];
  if (registry) return registry;
  const created: Registry = { live: new Set() };
  registry = created;
  holder[KEY] = registry;
  process.on("exit", () => endAll(created));
  const onSignal = (signal: NodeJS.Signals) => {
    endAll(created);
    // Listening for a signal turns off its default action. With nobody else listening, do what it
    // would have done: stop listening and raise it again, so the process ends as the signal ends
    // it. (Not process.exit: vitest replaces it inside tests with one that throws.) Anyone else
    // listening, such as vitest's own process on SIGINT, has taken over ending the process.
    if (process.listenerCount(signal) > 1) return;
    process.off(signal, onSignal);
    process.kill(process.pid, signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  return registry;
}

/** Records the group `pgid` leads, to be ended when this process exits if it has not been by then. */
export function trackGroup(pgid: number): void {
  registry().live.add(pgid);
}

/**
 * Ends every process in the group `pgid` leads (SIGKILL), the first time it is called for a
 * tracked group, and does nothing after that: once the group is empty its id may be given to
 * another process, which must not be signalled.
 */
export function endGroup(pgid: number): void {
  if (!registry().live.delete(pgid)) return;
  killGroup(pgid);
}

function endAll({ live }: Registry): void {
  for (const pgid of live) killGroup(pgid);
  live.clear();
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: nothing is left in the group.
  }
}
