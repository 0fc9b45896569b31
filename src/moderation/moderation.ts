import { fail, type Result } from "../common/result";
import type { MessageChanges, PlannedChange } from "../conversation/message-changes";
import type { RemovalEvent, RoomEvent } from "../log/chat-event";
import type { Removal, Removals } from "./removals";
import type { Role, RoomControl, RoomSettings } from "./room-control";
import type { Credential } from "./room-keys";
import { SessionRoles } from "./session-roles";

/**
 * What an owner, a moderator or the operator asks a room to do: by the key it presents, or,
 * presenting none, by the session (`token`) it comes from, which acts with the authority it
 * joined with.
 */
/** What a moderation request acts with: a presented key, or else the session that sent it. */
export interface Authority {
  credential: Credential | undefined;
  token?: string;
}

export type ModerationRequest = Authority &
  (
    | { action: "settings"; settings: Partial<RoomSettings> }
    | { action: "moderator-key"; keyHash: string | undefined }
    | { action: "owner-key"; keyHash: string }
    | { action: "delete"; id: number }
    | { action: "remove"; name: string; minutes: number }
    | { action: "lift"; name: string }
  );

/** Who may delete a room. */
export type RoomDeleter = Exclude<Role, "moderator">;

/** What moderation needs of the room's participants. */
export interface ParticipantsInReach {
  /** The session of whoever is in the room under this name. */
  onlineByName(name: string): { token: string; name: string } | undefined;
  /**
   * Publishes a participant's removal and ends their session: every stream of it ends with the
   * removal as its last event, and then, if they were online, everyone is told they left.
   * @returns the removal's id
   */
  remove(token: string, removal: Extract<RemovalEvent, { kind: "removed" }>): number;
}

/** The id of the event an action was published as; null when it changed nothing. */
export interface ModerationDone {
  id: number | null;
}

/**
 * What a room's authority can do, and what it imposes on everyone else: a topic, slow mode and
 * read-only, and deleting any message. Every action is an event in the room's log, and is logged
 * for the operator as one JSON line with the action and the role, never a key or a text.
 */
export class Moderation {
  readonly #control: RoomControl;
  readonly #changes: MessageChanges;
  readonly #publish: (event: RoomEvent, links?: { target?: number }) => number;
  readonly #removeSettingsEvents: () => void;
  /** When each participant present last posted, for slow mode. */
  readonly #lastPostAt = new Map<string, number>();
  /**
   * The sessions that joined with the room's authority: marked as such in the online list, exempt
   * when they post, and acting with it without the key.
   */
  readonly #roles: SessionRoles;

  readonly #removals: Removals;
  readonly #participants: ParticipantsInReach;

  constructor(
    control: RoomControl,
    changes: MessageChanges,
    removals: Removals,
    participants: ParticipantsInReach,
    publish: (event: RoomEvent, links?: { target?: number }) => number,
    removeSettingsEvents: () => void,
    sql: SqlStorage,
  ) {
    this.#control = control;
    this.#removals = removals;
    this.#participants = participants;
    this.#roles = new SessionRoles(sql);
    this.#changes = changes;
    this.#publish = publish;
    this.#removeSettingsEvents = removeSettingsEvents;
  }

  /** Makes the holder of `keyHash` the owner of a room that has none and where nothing has happened. */
  claim(keyHash: string, eventsSoFar: number): Result<object> {
    if (this.#control.hasOwner) return fail(409, "room_owned", "This room has an owner already.");
    if (eventsSoFar > 0) {
      return fail(409, "room_in_use", "People have used this room already, so it cannot be claimed; make a new room.");
    }
    this.#control.setOwner(keyHash);
    logAction("claim", "owner");
    return { ok: true };
  }

  /**
   * Deletes the room, by `erase`, if the request may: its owner, or the operator. A room without
   * an owner (the lobby among them) can be deleted by the operator alone.
   */
  deleteRoom(request: Authority, erase: (by: RoomDeleter) => void): Result<object> {
    const role = this.authority(request);
    if (!role) return fail(403, "not_a_moderator", "Only the room's owner can delete it.");
    if (role === "moderator") return fail(403, "not_the_owner", "Only the room's owner can delete it.");
    erase(role);
    logAction("delete_room", role);
    return { ok: true };
  }

  act(request: ModerationRequest, now: number): Result<ModerationDone> {
    const role = this.authority(request);
    if (!role) return fail(403, "not_a_moderator", "Only the room's owner or a moderator can do this.");
    switch (request.action) {
      case "moderator-key": {
        if (role === "moderator")
          return fail(403, "not_the_owner", "Only the room's owner can hand out moderator rights.");
        // Taking back rights nobody holds changes nothing, as settings that are already so do not.
        if (request.keyHash === undefined && !this.#control.hasModerator) return { ok: true, id: null };
        this.#control.setModerator(request.keyHash);
        // Whoever joined with the key before no longer holds the room's authority, and everyone
        // is told, so that no page marks them as moderators any more.
        this.#roles.clearModerators();
        logAction(request.keyHash === undefined ? "moderators_revoked" : "moderator_key_made", role);
        return { ok: true, id: this.#publish({ kind: "moderators", at: now }) };
      }
      case "owner-key": {
        if (role === "moderator") return fail(403, "not_the_owner", "Only the room's owner can replace the owner key.");
        // Only the operator gets this far in a room without an owner, and gives it one.
        const replacing = this.#control.hasOwner;
        this.#control.setOwner(request.keyHash);
        // Whoever joined with the old key holds the room no more, and everyone is told, so that
        // pages holding it find out. The session that replaced it as the owner goes on as the
        // owner: its page holds the new key.
        this.#roles.clearOwners(role === "owner" ? request.token : undefined);
        logAction(replacing ? "owner_key_replaced" : "owner_key_made", role);
        return { ok: true, id: this.#publish({ kind: "owner_key", at: now }) };
      }
      case "delete": {
        const planned = this.#moderatedDeletion(request.id, role, now);
        if (!planned.ok) return planned;
        const event = planned.change();
        return { ok: true, id: event === undefined ? null : this.#publish(event, { target: event.target }) };
      }
      case "remove": {
        const session = this.#participants.onlineByName(request.name);
        if (!session) return fail(404, "no_such_participant", `Nobody called ${request.name} is in the room.`);
        const until = now + request.minutes * 60_000;
        this.#removals.remove(session.name, session.token, until);
        const id = this.#participants.remove(session.token, { kind: "removed", user: session.name, until, at: now });
        logAction("remove", role);
        return { ok: true, id };
      }
      case "lift": {
        if (!this.#removals.lift(request.name, now)) {
          return fail(404, "no_such_removal", `Nobody called ${request.name} is kept out of the room.`);
        }
        logAction("lift_removal", role);
        return { ok: true, id: this.#publish({ kind: "lifted", user: request.name, at: now }) };
      }
      case "settings": {
        const settings = { ...this.#control.settings, ...request.settings };
        const current = this.#control.settings;
        const same =
          settings.topic === current.topic &&
          settings.slowModeSeconds === current.slowModeSeconds &&
          settings.readOnly === current.readOnly;
        if (same) return { ok: true, id: null };
        this.#control.update(settings);
        // The new settings are the whole of what the room's settings events said.
        this.#removeSettingsEvents();
        logAction("settings", role);
        return { ok: true, id: this.#publish({ kind: "settings", ...settings, at: now }) };
      }
    }
  }

  /**
   * A participant deleting message `id`: their own is their deletion, whatever their authority;
   * someone else's is a moderator's deletion if their session joined with the room's authority
   * and still holds it, and refused otherwise.
   */
  deletion(token: string, id: number, now: number): Result<{ change: PlannedChange }> {
    const own = this.#changes.delete({ author: token }, id, now);
    const role = this.#roles.get(token);
    if (own.ok || own.code !== "not_author" || role === undefined) return own;
    return this.#moderatedDeletion(id, role, now);
  }

  /** A deletion of anyone's message by the room's authority, logged once it is made. */
  #moderatedDeletion(id: number, role: Role, now: number): Result<{ change: PlannedChange }> {
    const planned = this.#changes.delete({ moderator: true }, id, now);
    if (!planned.ok) return planned;
    return {
      ok: true,
      change: () => {
        const event = planned.change();
        logAction("delete_message", role);
        return event;
      },
    };
  }

  /**
   * The authority a request acts with. A key, when given, is judged alone, as it always was;
   * without one, the session holds whatever it joined with, for as long as its mark stands.
   */
  authority(request: Authority): Role | undefined {
    if (request.credential !== undefined) return this.#control.role(request.credential);
    return request.token === undefined ? undefined : this.#roles.get(request.token);
  }

  /**
   * Whether a participant may post now, under read-only and slow mode. The room's authority is
   * exempt from both: whoever presents a key that holds, and a session that joined with one, for
   * as long as its mark stands (a new moderator key, or taking the rights back, clears it).
   */
  mayPost(token: string, credential: Credential | undefined, now: number): Result<object> {
    if (this.#control.role(credential) ?? this.#roles.get(token)) return { ok: true };
    const { readOnly, slowModeSeconds } = this.#control.settings;
    if (readOnly) return fail(403, "read_only", "This room is read-only for now: only its owner and moderators post.");
    const last = this.#lastPostAt.get(token);
    const waitMs = last === undefined ? 0 : last + slowModeSeconds * 1000 - now;
    if (waitMs > 0) {
      return fail(
        429,
        "slow_mode",
        `Slow mode is on: one message every ${slowModeSeconds} seconds.`,
        Math.ceil(waitMs / 1000),
      );
    }
    return { ok: true };
  }

  /**
   * Refuses a removed participant (by session or address) until their time is up.
   * @returns a refusal, or undefined when they may come in
   */
  keptOut(token: string | undefined, address: string | undefined, now: number) {
    const removal = this.#removals.find(token, address, now);
    return removal === undefined ? undefined : removedFailure(removal, now);
  }

  /** Notes where a session's requests come from, so that removing it keeps that address out too. */
  seen(token: string, address: string | undefined): void {
    this.#removals.seen(token, address);
  }

  /** Forgets what was kept of a session that has ended (`token`), or of every session that has expired. */
  forgetSessions(token?: string): void {
    if (token === undefined) {
      this.#removals.forgetEndedSessions();
      this.#roles.forgetEndedSessions();
    } else {
      this.#removals.forgetSession(token);
      this.#roles.set(token, undefined);
    }
  }

  /** A session joined presenting `credential`: it is marked with the role that holds, or unmarked. */
  joined(token: string, credential: Credential | undefined): void {
    this.#roles.set(token, this.#control.role(credential));
  }

  /** How a session is marked in the online list, where the operator shows as the owner. */
  mark(token: string): Mark | undefined {
    return asMark(this.#roles.get(token));
  }

  /** How a session that joins presenting `credential` will be marked. */
  markFor(credential: Credential | undefined): Mark | undefined {
    return asMark(this.#control.role(credential));
  }

  /** The sessions marked as the room's owner or a moderator, by token. */
  *marked(): Generator<[token: string, mark: Mark]> {
    for (const [token, role] of this.#roles.entries()) yield [token, asMark(role)];
  }

  posted(token: string, now: number): void {
    this.#lastPostAt.set(token, now);
  }

  /** Forgets a participant who is no longer present. */
  forget(token: string): void {
    this.#lastPostAt.delete(token);
  }
}

/** How the online list shows a role: the operator as the owner. */
export type Mark = "owner" | "moderator";

function asMark(role: Role): Mark;
function asMark(role: Role | undefined): Mark | undefined;
function asMark(role: Role | undefined): Mark | undefined {
  return role === "operator" ? "owner" : role;
}

function logAction(action: string, role: Role): void {
  console.log(JSON.stringify({ event: "moderation", action, role }));
}

function removedFailure(removal: Removal, now: number) {
  const back = new Date(removal.until).toISOString();
  return fail(
    403,
    "removed",
    `A moderator removed you from this room; you may come back after ${back}.`,
    Math.ceil((removal.until - now) / 1000),
  );
}
