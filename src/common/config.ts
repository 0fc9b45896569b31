import { REACTION_EMOJI } from "./reaction-emoji";

/** The limits and timings of a room, read from the `[vars]` in wrangler.toml. */
export interface RoomConfig {
  historyOnConnect: number;
  historyRetained: number;
  historyRetainedMs: number;
  presenceGraceMs: number;
  heartbeatMs: number;
  reconnectDelayMs: number;
  nameMaxLength: number;
  messageMaxLength: number;
  rateBurst: number;
  ratePerSecond: number;
  maxSubscribers: number;
  readersPerObject: number;
  maxStreamsPerClient: number;
  joinBurst: number;
  joinsPerSecond: number;
  maxBacklogBytes: number;
  maxRoomBacklogBytes: number;
  sessionTtlMs: number;
  typingIntervalMs: number;
  keysPerSession: number;
  editWindowMs: number;
  reactionsPerMessage: number;
  searchBurst: number;
  searchesPerSecond: number;
}

/** The limits and timings a page works with, sent in every stream's greeting. */
export interface ClientLimits {
  nameMaxLength: number;
  messageMaxLength: number;
  /** Least time between two typing signals of one participant. */
  typingIntervalMs: number;
  /** Time between heartbeats: a stream silent for much longer is dead. */
  heartbeatMs: number;
  /** How long after sending a message its author may edit it. */
  editWindowMs: number;
  /** The emoji a message can be reacted to with. */
  reactionEmoji: readonly string[];
  /** Most reactions one message takes, every emoji and person counted. */
  reactionsPerMessage: number;
}

export function clientLimits(config: RoomConfig): ClientLimits {
  const { nameMaxLength, messageMaxLength, typingIntervalMs, heartbeatMs, editWindowMs, reactionsPerMessage } = config;
  return {
    nameMaxLength,
    messageMaxLength,
    typingIntervalMs,
    heartbeatMs,
    editWindowMs,
    reactionEmoji: REACTION_EMOJI,
    reactionsPerMessage,
  };
}

/** Largest request body the API reads, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Longest URL the API reads, in characters. */
export const MAX_URL_LENGTH = 4096;

/** Most bytes of request headers the API reads. */
export const MAX_HEADER_BYTES = 16 * 1024;

const parsed = new WeakMap<Env, Readonly<RoomConfig>>();

/**
 * Every setting, read once per `env`: fails loudly on a value that is not a number in range,
 * so that a typo in wrangler.toml shows up on the first request rather than as odd behaviour.
 */
export function readConfig(env: Env): Readonly<RoomConfig> {
  let config = parsed.get(env);
  if (!config) {
    // Frozen, since every caller shares it.
    config = Object.freeze(parseConfig(env));
    parsed.set(env, config);
  }
  return config;
}

function parseConfig(env: Env): RoomConfig {
  return {
    historyOnConnect: whole(env, "HISTORY_ON_CONNECT", 0),
    historyRetained: whole(env, "HISTORY_RETAINED", 1),
    historyRetainedMs: positive(env, "HISTORY_RETAINED_DAYS") * 24 * 60 * 60 * 1000,
    presenceGraceMs: seconds(env, "PRESENCE_GRACE_SECONDS"),
    heartbeatMs: seconds(env, "HEARTBEAT_SECONDS"),
    reconnectDelayMs: whole(env, "RECONNECT_DELAY_MS", 0),
    nameMaxLength: whole(env, "NAME_MAX_LENGTH", 1),
    messageMaxLength: whole(env, "MESSAGE_MAX_LENGTH", 1),
    rateBurst: whole(env, "RATE_BURST", 1),
    ratePerSecond: positive(env, "RATE_PER_SECOND"),
    maxSubscribers: whole(env, "MAX_SUBSCRIBERS", 1),
    readersPerObject: whole(env, "READERS_PER_OBJECT", 1),
    maxStreamsPerClient: whole(env, "MAX_STREAMS_PER_CLIENT", 1),
    joinBurst: whole(env, "JOIN_RATE_BURST", 1),
    joinsPerSecond: positive(env, "JOIN_RATE_PER_MINUTE") / 60,
    maxBacklogBytes: whole(env, "MAX_BACKLOG_BYTES", 1024),
    maxRoomBacklogBytes: whole(env, "MAX_ROOM_BACKLOG_BYTES", 1024),
    sessionTtlMs: positive(env, "SESSION_TTL_DAYS") * 24 * 60 * 60 * 1000,
    typingIntervalMs: seconds(env, "TYPING_INTERVAL_SECONDS"),
    keysPerSession: whole(env, "MESSAGE_KEYS_PER_SESSION", 1),
    editWindowMs: seconds(env, "EDIT_WINDOW_SECONDS"),
    reactionsPerMessage: whole(env, "REACTIONS_PER_MESSAGE", 1),
    searchBurst: whole(env, "SEARCH_RATE_BURST", 1),
    searchesPerSecond: positive(env, "SEARCH_RATE_PER_MINUTE") / 60,
  };
}

type Setting = {
  [K in keyof Env]-?: Env[K] extends string ? K : never;
}[keyof Env];

function number(env: Env, key: Setting): number {
  const value = Number(env[key]);
  if (!Number.isFinite(value)) throw new Error(`${key} must be a number, got ${JSON.stringify(env[key])}`);
  return value;
}

function whole(env: Env, key: Setting, min: number): number {
  const value = number(env, key);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${key} must be a whole number of at least ${min}`);
  }
  return value;
}

function positive(env: Env, key: Setting): number {
  const value = number(env, key);
  if (value <= 0) throw new Error(`${key} must be greater than 0`);
  return value;
}

function seconds(env: Env, key: Setting): number {
  return positive(env, key) * 1000;
}
