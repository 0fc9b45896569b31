import { DEFAULT_ROOM } from "../common/validate";
import type { RoomSettings } from "../moderation/room-control";

/** What the page is called after its room's name; public/conversation/unread-title.js counts in front of the whole. */
const SITE_NAME = "Chat";
/** The link-preview image: square and opaque, as a `summary` card shows it. */
const PREVIEW_IMAGE = "/icons/icon-maskable-512.png";

/** The address a room's page is served at; the lobby's is the root (`/r/lobby/` shows the same room). */
function pagePath(room: string): string {
  return room === DEFAULT_ROOM ? "/" : `/r/${room}/`;
}

/**
 * What each of the page's `<meta>` tags says for this room, by its `property` or `name`. Only
 * the room's name and topic, never who is in it. Without a topic, the descriptions are left as
 * public/index.html has them: the site's own.
 */
function metaContents(url: URL, title: string, topic: string): Map<string, string> {
  const contents = new Map([
    ["og:title", title],
    ["twitter:title", title],
    ["og:url", url.toString()],
    ["og:image", new URL(PREVIEW_IMAGE, url).toString()],
  ]);
  if (topic !== "")
    for (const key of ["description", "og:description", "twitter:description"]) contents.set(key, topic);
  return contents;
}

/**
 * Text as the source of an attribute's value. HTMLRewriter's `setAttribute` escapes `"` and
 * nothing else: it takes its value as attribute source, character references and all (lol-html's
 * `escape_double_quotes_only`), so a topic reading `&lt;` would show as `<`. Escaped here first,
 * the value reads back as exactly the text, and no `"` is left for it to escape.
 */
function attributeSource(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Fills in the page's title and link-preview tags. The title goes in by `setInnerContent`, as
 * text (`{ html: false }` is its default), which escapes `&`, `<` and `>`.
 */
function rewrite(page: Response, url: URL, room: string, topic: string): Response {
  const title = `${room} · ${SITE_NAME}`;
  const contents = metaContents(url, title, topic);
  return new HTMLRewriter()
    .on("head > title", {
      element: (element) => {
        element.setInnerContent(title);
      },
    })
    .on("head > meta", {
      element: (meta) => {
        const key = meta.getAttribute("property") ?? meta.getAttribute("name");
        const content = key === null ? undefined : contents.get(key);
        if (content !== undefined) meta.setAttribute("content", attributeSource(content));
      },
    })
    .transform(page);
}

/** The room's topic, read without changing anything in the room; a room that cannot answer has none. */
async function topicOf(env: Env, room: string): Promise<string> {
  try {
    const settings: RoomSettings = await env.CHAT_ROOM.getByName(room).settings();
    return settings.topic;
  } catch (error) {
    // The page is more use with a plain preview than not at all.
    console.error(JSON.stringify({ event: "room_page_settings_unavailable", error: String(error) }));
    return "";
  }
}

/**
 * A room's chat page (or the lobby's): public/index.html, titled and described for the room.
 * A HEAD gets the page's headers without asking the room anything.
 */
export async function roomPage(request: Request, env: Env, room: string): Promise<Response> {
  const url = new URL(pagePath(room), request.url);
  const [asset, topic] = await Promise.all([
    env.ASSETS.fetch(new Request(new URL("/", request.url), { method: request.method })),
    request.method === "HEAD" ? "" : topicOf(env, room),
  ]);
  const page = asset.ok && request.method !== "HEAD" ? rewrite(asset, url, room, topic) : asset;
  // The asset's validator names the file, not this room's page of it.
  const served = new Response(page.body, page);
  served.headers.delete("ETag");
  served.headers.set("Cache-Control", "no-cache");
  return served;
}
