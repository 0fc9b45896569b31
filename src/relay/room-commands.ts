import type { RelayCommand, RelayedStream } from "../streams/relay-protocol";
import type { StreamOwner } from "../streams/subscriber-stream";

/** What the room says of its readers' sessions; `live` is about the relay's own stream, not here. */
export type SessionCommand = Exclude<RelayCommand, { op: "live" }>;

/** How long a relay remembers a command it applied, for streams handed to it before and arriving after. */
const REMEMBERED_MS = 30_000;

/**
 * The room's commands about a relay's readers (see relay-protocol.ts): each applied once the
 * relay has every event before it, so that it lands where it would on the room, and remembered
 * a while, for a stream the room handed over before the command that reaches the relay after it.
 */
export class RoomCommands {
  readonly #apply: (command: SessionCommand) => void;
  /** Commands waiting for the events before them. */
  #waiting: SessionCommand[] = [];
  #applied: { command: SessionCommand; at: number }[] = [];

  constructor(apply: (command: SessionCommand) => void) {
    this.#apply = apply;
  }

  /** A command from the room, when the relay holds every event up to `position`. */
  receive(command: SessionCommand, position: number): void {
    if (command.afterId <= position) this.#applyNow(command);
    else this.#waiting.push(command);
  }

  /** The relay now holds every event up to `position`. */
  reached(position: number): void {
    if (!this.#waiting.some((command) => command.afterId <= position)) return;
    const due = this.#waiting.filter((command) => command.afterId <= position);
    this.#waiting = this.#waiting.filter((command) => command.afterId > position);
    for (const command of due) this.#applyNow(command);
  }

  /** Forgets the commands still waiting: the relay stopped reading from the room. */
  clear(): void {
    this.#waiting = [];
  }

  /**
   * Who a stream handed to the relay is for now, by the commands applied since the room admitted
   * it (a join adopting it, a session ending), and the removal after which it ends, if one came.
   */
  ownerNow(stream: RelayedStream): { owner: StreamOwner; endsAfter?: number } {
    let { token, pendingToken } = stream;
    let endsAfter: number | undefined;
    for (const { command } of this.#applied) {
      if (command.afterId < (stream.since ?? Number.POSITIVE_INFINITY)) continue;
      if (command.op === "adopt" && pendingToken === command.pendingToken) {
        token = command.token;
        pendingToken = undefined;
      } else if (command.op === "disown" && token === command.token && endsAfter === undefined) {
        // A removal ends the session after ending its streams: this stream ends as theirs.
        token = undefined;
      } else if (command.op === "end" && token === command.token) {
        endsAfter = command.afterId;
      }
    }
    return { owner: { id: stream.id, token, pendingToken, client: stream.client }, endsAfter };
  }

  #applyNow(command: SessionCommand): void {
    this.#apply(command);
    const now = Date.now();
    this.#applied.push({ command, at: now });
    while ((this.#applied[0]?.at ?? now) < now - REMEMBERED_MS) this.#applied.shift();
  }
}
