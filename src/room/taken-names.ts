import { lookalikeKeys } from "../common/confusables";
import { type Failure, fail } from "../common/result";
import type { Mark, Moderation } from "../moderation/moderation";
import type { SessionStore } from "./session-store";

/** A session asking to hold a name: none yet on a first join, and the mark it will have. */
export interface NameClaim {
  name: string;
  token: string | undefined;
  mark: Mark | undefined;
}

/** Where the names to compare with are: who is online, and which sessions are marked. */
export interface NameHolders {
  sessions: SessionStore;
  moderation: Moderation;
}

const RANK: Record<Mark, number> = { owner: 2, moderator: 1 };

/**
 * Why a session may not hold a name, or undefined when it may. A name is taken when someone else
 * online is called the same or by a name that looks like it (see {@link lookalikeKeys}), and
 * when it looks like the name of a session marked as the room's owner or a moderator, online or
 * not, for as long as that session keeps its mark: nobody may pass for the room's authority
 * without holding it. A session may always take a name like its own.
 * @param away whether the claim is a participant coming back to the name they had, which someone
 *   may have taken in the meantime
 */
export function nameTaken(holders: NameHolders, claim: NameClaim, away: boolean): Failure | undefined {
  const { sessions } = holders;
  const same = sessions.onlineByName(claim.name);
  if (same && same.token !== claim.token) {
    return fail(
      409,
      "name_taken",
      away
        ? `Someone else joined as ${same.name} while you were away; join again.`
        : `Someone in this room is already called ${same.name}; pick another name.`,
    );
  }
  const marked = markedLookalike(holders, claim);
  if (marked) {
    return fail(
      409,
      "name_taken",
      `${claim.name} looks like ${marked.name}, the name of this room's ${marked.mark}; pick another name.`,
    );
  }
  const like = sessions.onlineLookingLike(claim.name, claim.token);
  if (like) {
    return fail(
      409,
      "name_taken",
      away
        ? `Someone else joined as ${like.name}, which looks like your name, while you were away; join again.`
        : `${claim.name} looks like ${like.name}, who is in this room; pick another name.`,
    );
  }
  return undefined;
}

/**
 * A marked session, other than the claimant's, whose name looks like the one claimed. A claimant
 * who will hold the same authority or more may look like it: the owner's second browser, say.
 */
function markedLookalike({ sessions, moderation }: NameHolders, claim: NameClaim) {
  const rank = claim.mark === undefined ? 0 : RANK[claim.mark];
  const keys = new Set(lookalikeKeys(claim.name));
  for (const [token, mark] of moderation.marked()) {
    if (token === claim.token || RANK[mark] <= rank) continue;
    const name = sessions.get(token)?.name;
    if (name !== undefined && lookalikeKeys(name).some((key) => keys.has(key))) return { name, mark };
  }
  return undefined;
}
