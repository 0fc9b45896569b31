// @ts-check

import { ComposerContext } from "./composer/composer-context.js";
import { fitMessageBox } from "./composer/message-box.js";
import { Outbox } from "./composer/outbox.js";
import { ApiError, ChatApi } from "./connection/chat-api.js";
import { EventFeed } from "./connection/event-feed.js";
import { RoomSession } from "./connection/room-session.js";
import { oneTabAtATime } from "./connection/tab-lock.js";
import { ConversationHistory } from "./conversation/history.js";
import { MentionAlerts } from "./conversation/mention-alerts.js";
import { linkedMessage, messageActions } from "./conversation/message-actions.js";
import { MessageList } from "./conversation/message-list.js";
import { ReadPosition } from "./conversation/read-position.js";
import { TypingIndicator, TypingPace } from "./conversation/typing-indicator.js";
import { UnreadTitle } from "./conversation/unread-title.js";
import { ownerKeyReplacement } from "./room/owner-key.js";
import { PeopleList } from "./room/people-list.js";
import { deletedText, roomDeletion, showRoomDeleted } from "./room/room-deletion.js";
import { RoomKey } from "./room/room-key.js";
import { makeNewRoom, setUpRoomMenu } from "./room/room-menu.js";
import { RoomRules } from "./room/room-rules.js";
import { settingsDialog } from "./room/settings-dialog.js";
import { SearchPanel } from "./search/search-panel.js";

/**
 * @typedef {import("./connection/event-feed.js").FeedState} FeedState
 * @typedef {import("./connection/event-feed.js").RoomLimits} RoomLimits
 * @typedef {import("./room/room-deletion.js").Deleter} Deleter
 */

const NAME_KEY = "chat.name";
/** The Manage room menu's items that a moderator's page does not show. */
const OWNER_TOOLS = ["moderator-link", "revoke-moderators", "replace-owner-key", "delete-room"];

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found;
}

const room = decodeURIComponent(/^\/r\/([^/]+)\//.exec(location.pathname)?.[1] ?? "lobby").toLowerCase();
// One browser is one participant: its tabs share the session, and follow what another does.
const session = new RoomSession(room, localStorage.getItem(NAME_KEY), follow);
// Read before anything else: a manage link's key is taken out of the address bar at once.
const roomKey = new RoomKey(room);
const api = new ChatApi(`/r/${room}`, () => roomKey.value);
const joinForm = /** @type {HTMLFormElement} */ (element("join-form"));
const nameInput = /** @type {HTMLInputElement} */ (element("name-input"));
const composer = /** @type {HTMLFormElement} */ (element("composer"));
const messageInput = /** @type {HTMLTextAreaElement} */ (element("message-input"));
fitMessageBox(messageInput);
const composerContext = new ComposerContext(element("composer-context"), messageInput);
const rules = new RoomRules(
  {
    topic: element("topic"),
    rules: element("room-rules"),
    input: messageInput,
    send: /** @type {HTMLButtonElement} */ (composer.querySelector("button[type=submit]")),
  },
  () => roomKey.value !== undefined,
);
const messages = new MessageList(
  /** @type {HTMLOListElement} */ (element("messages")),
  /** @type {HTMLButtonElement} */ (element("new-messages")),
  () => ({
    names: people.names,
    me: myName,
    editWindowMs: limits?.editWindowMs ?? 0,
    moderator: roomKey.value !== undefined,
    emoji: limits?.reactionEmoji ?? [],
  }),
  messageActions({
    api,
    token: () => session.token,
    composer: composerContext,
    confirmDelete: /** @type {HTMLDialogElement} */ (element("confirm-delete")),
    confirmRemoval: /** @type {HTMLDialogElement} */ (element("remove-dialog")),
    say,
  }),
);
const historyPages = new ConversationHistory(messages, api, { token: () => session.token, say });
const readPosition = new ReadPosition(room);
const mentionAlerts = new MentionAlerts(/** @type {HTMLButtonElement} */ (element("mention-alerts")));
const remaining = element("remaining");
const notice = element("notice");
const connection = element("connection");
// An owner or moderator removes someone from the online list as from one of their messages.
const people = new PeopleList(element("people"), element("people-count"), () => myName, {
  may: () => roomKey.value !== undefined,
  menu: element("person-menu"),
  remove: (name) => messages.actions.removePerson(name),
});
const title = new UnreadTitle(room);
const renameButton = element("rename");
const leaveButton = element("leave");
const typingIndicator = new TypingIndicator(element("typing"));
const outbox = new Outbox(`chat.outbox.${room}`, {
  send({ text, key, replyTo }) {
    const token = session.token;
    if (!token) return Promise.reject(new ApiError(401, "not_joined", "Join the room to send.", undefined));
    return api.post(text, token, key, replyTo);
  },
  onChange: (pending) => messages.pending.show(pending, pendingActions),
  onSent(key, id) {
    messages.pending.settle(key, id, feed.lastId);
    if (outbox.pending.every((item) => item.failed === undefined)) say("");
  },
  onDelayed: (error) => say(describeDelay(error)),
  onSessionRefused(error) {
    // A deleted room took the session with it, and there is nothing to join again.
    if (deletedBy) return;
    // Waiting messages are sent once the person has joined again.
    showJoinForm();
    say(error.message);
  },
});

/** @type {string | undefined} */
let myName;
/** The name this page's participant had when a moderator removed them, until they are let back. @type {string | undefined} */
let removedAs;
/** The room's limits, from its stream's greeting; until then, the server alone checks. @type {RoomLimits | undefined} */
let limits;
/** Who deleted the room, once it is deleted: the page then does nothing more in it. @type {Deleter | undefined} */
let deletedBy;
/** When this tab tells the room its participant is typing. */
const typingPace = new TypingPace();

element("room-name").textContent = room;

/**
 * Who the event just before was a removal of. The room announces a removal's leave right after
 * it, for clients that know only joins and leaves; this page has said so already.
 * @type {string | undefined}
 */
let justRemoved;

const feed = new EventFeed(`/r/${room}`, () => session.token, {
  onEvent(id, event, news) {
    const removedBefore = justRemoved;
    justRemoved = undefined;
    if (event.kind === "join") people.joined(event.user, event.role);
    if (event.kind === "leave") people.left(event.user);
    if (event.kind === "leave" && event.user === removedBefore) return;
    if (event.kind !== "join") typingIndicator.stopped(event.user);
    const own = event.kind === "message" && isOwn(event);
    // The others have just cleared this participant's typing: the next keystroke, or what is
    // already typed, is news again.
    if (own) {
      typingPace.restart();
      signalTyping();
    }
    const mentionsMe = messages.add(id, event, own);
    if (event.kind === "message" && !document.hidden && messages.atNewest) readPosition.read(id);
    // The history the page opened onto is not news; what came while it was away is.
    if (news && document.hidden && event.kind === "message" && !own) {
      title.count(mentionsMe);
      if (mentionsMe) mentionAlerts.notify(id, event.name, event.msg, room);
    }
  },
  onChange(id, change) {
    justRemoved = undefined;
    messages.change(id, change);
    if (change.kind === "delete") mentionAlerts.withdraw(change.target);
    // A message being replied to or edited that is deleted meanwhile cannot be any more.
    if (change.kind === "delete" && composerContext.mode?.id === change.target) {
      composerContext.cancel();
      say("The message you were answering or editing was deleted.");
    }
  },
  onSettings(settings) {
    rules.show(settings);
  },
  onModeration(event, news, id) {
    justRemoved = event.kind === "removed" ? event.user : undefined;
    if (event.kind === "moderators") {
      people.clearModerators();
      return;
    }
    if (event.kind === "owner_key") {
      void ownerKey.replaced();
      if (news) void markOwnersAnew();
      return;
    }
    if (event.kind === "lifted") {
      messages.addNotice(`A moderator let ${event.user} back in`, undefined, id);
      if (news && event.user === removedAs) {
        removedAs = undefined;
        rules.removed(0);
        showJoinForm();
      }
      return;
    }
    people.left(event.user);
    typingIndicator.stopped(event.user);
    // A moderator may let them back before their time is up.
    const letBack =
      roomKey.value !== undefined && event.until > Date.now()
        ? { label: `Let ${event.user} back in`, press: () => liftRemoval(event.user) }
        : undefined;
    messages.addNotice(`${event.user} was removed by a moderator`, letBack, id);
    // This page's participant: their session has ended, and the composer closes until they may come back.
    if (news && event.user === myName && event.until > Date.now()) {
      session.removed(myName, event.until);
      removed(myName, event.until);
    }
  },
  onPresence(users) {
    people.reset(users);
  },
  onTyping(name) {
    if (name !== myName) typingIndicator.typing(name);
  },
  onLimits(received) {
    limits = received;
    typingIndicator.setInterval(received.typingIntervalMs);
    updateRemaining();
  },
  onTrouble(message) {
    say(message);
  },
  onGap() {
    messages.addNotice("Some earlier messages are no longer available.");
  },
  onDeleted(event) {
    roomDeleted(event.by);
  },
  onState(state) {
    showConnection(state);
    // Back online: whatever waits is sent now rather than at the end of its back-off.
    if (state === "live" && session.token) outbox.retryNow();
  },
  async onRefused() {
    // The session may have expired while the page was away: join again under the same name.
    if (!myName) return;
    try {
      await join(myName);
    } catch (error) {
      showJoinForm();
      say(error instanceof Error ? error.message : String(error));
    }
  },
});

/**
 * Whether a message is the reader's, as far as the page can tell: by name. The room knows by
 * session, and refuses an edit or a deletion of a message another session sent.
 * @param {import("./connection/event-feed.js").ChatEvent} message
 */
function isOwn(message) {
  return myName !== undefined && message.name === myName;
}

/** Whoever joined with a replaced owner key is no longer marked: the room knows who still is. */
async function markOwnersAnew() {
  try {
    people.reset(await api.users());
  } catch {
    // The next stream's greeting marks them.
  }
}

/** @param {string} name */
async function liftRemoval(name) {
  try {
    await api.liftRemoval(name);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
  }
}

/** @param {FeedState} state */
function showConnection(state) {
  connection.dataset.state = state;
  connection.textContent = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" }[state];
}

/** @param {string} text */
function say(text) {
  notice.textContent = text;
}

/**
 * Joins (or renames, or rejoins after a reload) and shows the composer. The browser's tabs join
 * one at a time, so that two that find the session ended renew it once, not as two people.
 * @param {string} name
 */
function join(name) {
  return oneTabAtATime(`chat.join.${room}`, async () => {
    const previous = session.token;
    const joined = await api.join(name, previous).catch((error) => {
      // A token the room no longer knows is simply replaced by a new session.
      if (error instanceof ApiError && error.status === 401 && previous) return api.join(name, undefined);
      throw error;
    });
    session.joined(joined);
    entered(joined, previous);
    return joined;
  });
}

/**
 * Shows the composer, once this tab or another of the browser's has joined.
 * @param {import("./connection/room-session.js").Session} joined
 * @param {string | undefined} previous the session this tab's stream was opened with
 */
function entered(joined, previous) {
  myName = joined.name;
  // Handing out moderator links and replacing the owner key are the owner's alone.
  for (const id of OWNER_TOOLS) element(id).hidden = joined.role !== "owner";
  localStorage.setItem(NAME_KEY, joined.name);
  joinForm.hidden = true;
  composer.hidden = false;
  renameButton.hidden = false;
  leaveButton.hidden = false;
  people.render();
  messages.markOwn(isOwn);
  // A stream opened before joining does not count for presence; reopen it with the session.
  if (joined.token !== previous || !feed.lastId) feed.restart();
  outbox.resume();
}

/** The participant left, in this tab or another: the page goes on as a reader's. */
function left() {
  myName = undefined;
  people.render();
  messages.markOwn(isOwn);
  showJoinForm();
  feed.restart();
}

/**
 * A moderator removed the participant until `until`: the composer closes until then.
 * @param {string} name
 * @param {number} until
 */
function removed(name, until) {
  removedAs = name;
  myName = undefined;
  people.render();
  rules.removed(until);
  // The room ends the session's streams; this one goes on as a reader's without it.
  feed.restart();
}

/**
 * Another tab of this browser joined, renamed, left, was removed or saw the room deleted: this
 * one follows, unless it knew already (its own stream told it of a removal). A page of a deleted
 * room stays as it is until it is loaded again.
 * @param {import("./connection/room-session.js").Session | undefined} now
 * @param {import("./connection/room-session.js").Session | undefined} before
 */
function follow(now, before) {
  if (deletedBy) return;
  if (now?.deletedBy) roomDeleted(now.deletedBy);
  else if (now?.token) entered(now, before?.token);
  else if (myName !== undefined && now?.removedUntil) removed(now.name, now.removedUntil);
  else if (myName !== undefined) left();
}

/**
 * The room was deleted, as this page's stream, its own deletion or another tab says: the page
 * stops, forgets what it kept for the room (the session, whatever waited to be sent, the key),
 * and says so where the conversation was. Loaded again, it goes into the room that follows.
 * @param {Deleter} by
 */
function roomDeleted(by) {
  if (deletedBy) return;
  deletedBy = by;
  feed.close();
  // The session first: the browser's other tabs hear of the deletion from it.
  session.roomDeleted(myName ?? session.current?.name ?? "", by);
  outbox.clear();
  const key = roomKey.value;
  if (key !== undefined) roomKey.forget(key);
  myName = undefined;
  for (const open of document.querySelectorAll("dialog[open]")) if (open instanceof HTMLDialogElement) open.close();
  composerContext.cancel();
  for (const shown of [joinForm, composer, renameButton, leaveButton]) shown.hidden = true;
  people.reset([]);
  showKeyHolderTools();
  messages.clear();
  showRoomDeleted({ panel: element("room-deleted"), list: element("messages"), by });
  connection.dataset.state = "deleted";
  connection.textContent = "Room deleted";
  say(deletedText(by));
}

function showJoinForm() {
  joinForm.hidden = false;
  composer.hidden = true;
  renameButton.hidden = true;
  leaveButton.hidden = true;
  nameInput.value = myName ?? localStorage.getItem(NAME_KEY) ?? "";
  nameInput.focus();
}

joinForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name) return;
  // Counted as the server counts: characters, not UTF-16 units as `maxlength` would.
  if (limits && [...name].length > limits.nameMaxLength) {
    say(`A name is at most ${limits.nameMaxLength} characters.`);
    nameInput.focus();
    return;
  }
  try {
    await join(name);
    say("");
    messageInput.focus();
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    nameInput.focus();
  }
});

function updateRemaining() {
  if (!limits) return;
  const left = limits.messageMaxLength - [...messageInput.value].length;
  remaining.textContent = left <= limits.messageMaxLength / 5 ? `${left} characters left` : "";
  remaining.classList.toggle("over", left < 0);
}

messageInput.addEventListener("input", () => {
  updateRemaining();
  signalTyping();
});

/** Tells the room this participant is typing, at most once per the room's interval. */
function signalTyping() {
  // Changing a message already sent is not news to the others.
  if (!limits || !messageInput.value.trim() || composerContext.mode?.kind === "edit") return;
  // Read after the cheap checks: the session is parsed from storage, and this runs on every keystroke.
  const token = session.token;
  if (!token || !typingPace.due(limits.typingIntervalMs)) return;
  // A lost signal only means nobody sees the typing; it is never worth telling the person.
  api.typing(token).catch(() => undefined);
}
messageInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = messageInput.value.trim();
  if (!text || !session.token) return;
  if (limits && [...text].length > limits.messageMaxLength) {
    say(`A message is at most ${limits.messageMaxLength} characters.`);
    return;
  }
  const mode = composerContext.mode;
  // Cleared at once so the next message can be typed while this one is on its way.
  messageInput.value = "";
  updateRemaining();
  say("");
  composerContext.done();
  if (mode?.kind === "edit") saveEdit(mode.id, text);
  else outbox.add(text, mode?.quote);
  messageInput.focus();
});

/**
 * Sends a message's new text. Lost on the way, the edit is put back in the composer to try
 * again; refused (too late, say), its text is left there as a draft, not lost.
 * @param {number} id
 * @param {string} text
 */
async function saveEdit(id, text) {
  const token = session.token;
  if (!token) return;
  try {
    await api.edit(id, text, token);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    if (messageInput.value) return;
    const message = messages.message(id);
    const retryable = error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
    if (message && retryable) {
      composerContext.edit(id, { ...message, msg: text });
    } else {
      messageInput.value = text;
      updateRemaining();
    }
  }
}

/** What the buttons of a message that was not sent do; the focus they had goes back to the composer. */
const pendingActions = {
  /** @param {string} key */
  retry(key) {
    outbox.retry(key);
    messageInput.focus();
  },
  /** @param {string} key */
  discard(key) {
    outbox.discard(key);
    messageInput.focus();
  },
};

/** Why a message waits to be sent again by itself. @param {ApiError} error */
function describeDelay(error) {
  if (error.status === 0) return "You are offline; your messages will be sent when the connection is back.";
  // When the message goes is said on the message itself, counting down.
  const every = rules.settings.slowModeSeconds;
  if (error.code === "slow_mode" && every > 0) return `Slow mode: one message every ${every} s. Yours waits its turn.`;
  if (error.status === 429) return `Slow down: ${error.message}`;
  return "The server is not answering; your messages will be sent when it is back.";
}

renameButton.addEventListener("click", showJoinForm);
setUpRoomMenu(element("room-actions"), room, roomKey, say);
// The owner's and moderators' controls, for a page that holds the room's key.
const openSettings = settingsDialog(
  /** @type {HTMLDialogElement} */ (element("settings-dialog")),
  () => rules.settings,
  (settings) => api.updateRoom(settings),
  say,
);
element("room-settings").addEventListener("click", openSettings);
const ownerKey = ownerKeyReplacement({
  confirm: /** @type {HTMLDialogElement} */ (element("replace-key-dialog")),
  shown: /** @type {HTMLDialogElement} */ (element("new-key-dialog")),
  room,
  roomKey,
  api,
  token: () => session.token,
  say,
  lost: showKeyHolderTools,
});
element("replace-owner-key").addEventListener("click", ownerKey.ask);
element("delete-room").addEventListener(
  "click",
  roomDeletion({
    dialog: /** @type {HTMLDialogElement} */ (element("delete-room-dialog")),
    room,
    api,
    token: () => session.token,
    say,
    deleted: roomDeleted,
  }),
);
element("deleted-new-room").addEventListener("click", () => makeNewRoom(say));
/** The tools of whoever holds the room's key show while this browser holds it, whichever tab it came to. */
function showKeyHolderTools() {
  for (const id of ["manage-room", "room-settings", "manage-link"]) element(id).hidden = roomKey.value === undefined;
  people.render();
  // Read-only closes the composer of a page that no longer holds the key, and opens it for one that does.
  rules.render();
}
showKeyHolderTools();
roomKey.onChange(showKeyHolderTools);

leaveButton.addEventListener("click", async () => {
  const token = session.token;
  if (token) await api.leave(token).catch(() => undefined);
  session.left();
  left();
});

document.addEventListener("visibilitychange", () => {
  messages.setAway(document.hidden);
  if (!document.hidden) {
    title.clear();
  }
});

window.addEventListener("online", () => {
  feed.wake();
  outbox.retryNow();
});
messages.pending.show(outbox.pending, pendingActions);

element("messages").addEventListener("scroll", readToNewest, { passive: true });
document.addEventListener("visibilitychange", readToNewest);
/** A reader at the newest message has read everything up to it. */
function readToNewest() {
  const newest = messages.span?.newest;
  if (!document.hidden && messages.atNewest && newest !== undefined) readPosition.read(newest);
}

/**
 * Opens the conversation where the reader is sent: at the message a link points to, at the
 * first message since their last visit, or else at the newest, as the stream brings it.
 */
async function openConversation() {
  const linked = linkedMessage();
  const lastRead = readPosition.last;
  if (linked === undefined && lastRead === undefined) return;
  const shown = linked !== undefined ? await historyPages.around(linked) : await historyPages.after(lastRead ?? 0);
  if (!shown) await historyPages.newest();
}
if (linkedMessage() !== undefined || readPosition.last !== undefined) messages.detach();
addEventListener("hashchange", () => {
  const linked = linkedMessage();
  if (linked !== undefined) void historyPages.around(linked);
});

new SearchPanel(
  {
    box: element("search"),
    toggle: /** @type {HTMLButtonElement} */ (element("search-toggle")),
    form: /** @type {HTMLFormElement} */ (element("search-form")),
    input: /** @type {HTMLInputElement} */ (element("search-input")),
    panel: element("search-panel"),
    status: element("search-status"),
    results: /** @type {HTMLOListElement} */ (element("search-results")),
    more: /** @type {HTMLButtonElement} */ (element("search-more")),
    close: /** @type {HTMLButtonElement} */ (element("search-close")),
  },
  (q, before) => api.search(q, session.token, before),
  // Whoever came to the search from nowhere in particular goes back to writing.
  () => [messageInput, nameInput].find((field) => field.checkVisibility()),
);

feed.open();
void openConversation();
const remembered = session.current?.name ?? localStorage.getItem(NAME_KEY);
if (remembered) {
  join(remembered).catch((error) => {
    showJoinForm();
    say(error instanceof Error ? error.message : String(error));
  });
} else {
  showJoinForm();
}
