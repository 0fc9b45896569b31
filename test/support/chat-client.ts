import type { CookieJar } from "./cookies.ts";
import { roomPath } from "./rooms.ts";
import { EventStreamReader } from "./sse-reader.ts";

/**
 * The `fetch` a client sends through: `SELF.fetch` inside workerd, Node's own `fetch` against a
 * running server.
 */
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** A participant who joined by token, as our own page does. */
export interface Participant {
  name: string;
  token: string;
  room: string | undefined;
}

/** A room's event stream, answered 200, with a reader on its body. */
export interface OpenedStream {
  response: Response;
  reader: EventStreamReader;
}

/** How to open a stream: as a session (`token`, or `cookie`), and from where (`lastEventId`). */
export interface StreamOptions {
  token?: string;
  /** Sent as Last-Event-ID; a string as it is, as EventSource sends the id it last saw. */
  lastEventId?: number | string;
  cookie?: string;
}

/** The chat's HTTP API, for one server. Rooms are names; `undefined` is the lobby at the root. */
export interface ChatClient {
  readonly baseUrl: string;
  /** Any request to `path`, with the client's cookies when it keeps a jar. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** Joins by JSON, failing unless the server answers 201. */
  joinAs(room: string | undefined, name: string): Promise<Participant>;
  /** Posts a message under the participant's token; the caller reads or cancels the answer. */
  say(participant: Participant, msg: string): Promise<Response>;
  /** Posts and returns the id the server acknowledged, failing on anything but 201. */
  sayOk(participant: Participant, msg: string): Promise<number>;
  /**
   * Any request to one of the room's endpoints (`/messages`, `/reactions`, …) under the
   * participant's token, with `fields` as JSON; the caller reads or cancels the answer.
   */
  act(participant: Participant, method: string, endpoint: string, fields?: Record<string, unknown>): Promise<Response>;
  /** Leaves under the participant's token. */
  leave(participant: Participant): Promise<Response>;
  /** Who is online in the room. */
  users(room: string | undefined): Promise<{ name: string }[]>;
  /** Opens a room's event stream, failing unless it is one. */
  openStream(room: string | undefined, options?: StreamOptions): Promise<OpenedStream>;
}

/** A form-encoded body, as the original jQuery client sends. */
export function form(fields: Record<string, string>): RequestInit {
  return {
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  };
}

/** A JSON body, as our own page sends. */
export function jsonBody(value: unknown): RequestInit {
  return { headers: { "Content-Type": "application/json" }, body: JSON.stringify(value) };
}

/**
 * A client of the server at `baseUrl`, sending through `fetch`. With a `cookies` jar it sends and
 * keeps cookies on every request, as a browser or `curl -b -c` does; without one it sends only
 * what each call names. Its functions do not need `this`, so they can be taken apart.
 */
export function chatClient(fetch: Fetch, baseUrl: string, options: { cookies?: CookieJar } = {}): ChatClient {
  const { cookies } = options;

  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const jar = cookies?.header();
    if (jar && !headers.has("Cookie")) headers.set("Cookie", jar);
    const response = await fetch(baseUrl + path, { ...init, headers });
    cookies?.take(response);
    return response;
  };

  const authorized = (participant: Participant, init: RequestInit): RequestInit => {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${participant.token}`);
    return { ...init, headers };
  };

  const refused = async (what: string, response: Response): Promise<Error> =>
    new Error(`${what} refused: ${response.status} ${await response.text()}`);

  const say = (participant: Participant, msg: string): Promise<Response> =>
    call(`${roomPath(participant.room)}/messages`, authorized(participant, { method: "POST", ...jsonBody({ msg }) }));

  return {
    baseUrl,
    call,
    say,
    async joinAs(room, name) {
      const response = await call(`${roomPath(room)}/users`, { method: "POST", ...jsonBody({ name }) });
      if (response.status !== 201) throw await refused("join", response);
      const body = (await response.json()) as { token: string; name: string };
      return { name: body.name, token: body.token, room };
    },
    async sayOk(participant, msg) {
      const response = await say(participant, msg);
      if (response.status !== 201) throw await refused("post", response);
      return ((await response.json()) as { id: number }).id;
    },
    act(participant, method, endpoint, fields) {
      const init: RequestInit = fields === undefined ? { method } : { method, ...jsonBody(fields) };
      return call(`${roomPath(participant.room)}${endpoint}`, authorized(participant, init));
    },
    leave(participant) {
      return call(`${roomPath(participant.room)}/users`, authorized(participant, { method: "DELETE" }));
    },
    async users(room) {
      const response = await call(`${roomPath(room)}/users`);
      if (response.status !== 200) throw await refused("users", response);
      return (await response.json()) as { name: string }[];
    },
    async openStream(room, { token, lastEventId, cookie } = {}) {
      const query = token === undefined ? "" : `?${new URLSearchParams({ token })}`;
      const headers = new Headers();
      if (lastEventId !== undefined) headers.set("Last-Event-ID", String(lastEventId));
      if (cookie !== undefined) headers.set("Cookie", cookie);
      const response = await call(`${roomPath(room)}/stream${query}`, { headers });
      if (response.status !== 200) throw await refused("stream", response);
      return { response, reader: new EventStreamReader(response) };
    },
  };
}
