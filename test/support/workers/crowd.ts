import type { Participant } from "../chat-client";
import { joinAs, sayOk } from "./self-client";

/** Messages one participant says before the next takes over, well within a participant's burst. */
const EACH = 8;

/**
 * Enough people in `room` to say `count` messages between them without any of them being
 * paced: `say(i, msg)` posts message `i` as the person whose turn it is, and returns its id.
 */
export async function crowd(room: string, count: number): Promise<(i: number, msg: string) => Promise<number>> {
  const people: Participant[] = [];
  for (let i = 0; i < Math.ceil(count / EACH); i++) people.push(await joinAs(room, `p${i}`));
  return (i, msg) => {
    const person = people[Math.floor(i / EACH)];
    if (!person) throw new Error(`nobody to say message ${i}`);
    return sayOk(person, msg);
  };
}
