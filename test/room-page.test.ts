import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { jsonBody } from "./support/chat-client";
import { freshRoom, roomPath } from "./support/rooms";
import { call, joinAs, ORIGIN } from "./support/workers/self-client";

const ADMIN_TOKEN = String(env.ADMIN_TOKEN);
const SITE_DESCRIPTION = "Group chat in the browser: open a room, share its link, and talk.";
const TAGS = [
  "description",
  "og:title",
  "og:description",
  "og:type",
  "og:url",
  "og:image",
  "og:site_name",
  "twitter:card",
  "twitter:title",
  "twitter:description",
];

/** A page as an HTML parser sees it: its elements in order, with their attributes, and its title. */
interface ParsedPage {
  /** Each element by tag, with the names of its attributes. */
  elements: { tag: string; attributes: string[] }[];
  title: string;
  /** Each `<meta>`'s `content`, decoded, under its `property` or `name`; a tag given twice fails. */
  meta: Map<string, string>;
}

const REFERENCES: Record<string, string> = { amp: "&", quot: '"', lt: "<", gt: ">", apos: "'" };

/**
 * An attribute's value as a browser reads it. Only the references an escaper writes are known
 * here, so any other `&` fails the test rather than being read some way a browser might not.
 */
function decodeAttribute(source: string): string {
  expect(source, "a character reference this test cannot read").not.toMatch(/&(?!(?:[a-z]+|#\d+|#x[\da-f]+);)/i);
  return source.replace(/&([a-z]+|#\d+|#x[\da-f]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const hex = name[1] === "x" || name[1] === "X";
      return String.fromCodePoint(Number.parseInt(name.slice(hex ? 2 : 1), hex ? 16 : 10));
    }
    const known = REFERENCES[name];
    expect(known, `the reference ${whole}`).toBeDefined();
    return known ?? whole;
  });
}

/**
 * Parses a page with workerd's own HTML tokenizer (HTMLRewriter, which hands attributes over as
 * written in the source), so that what broke out of a tag shows as elements and attributes of its own.
 */
async function parsePage(response: Response): Promise<ParsedPage> {
  const parsed: ParsedPage = { elements: [], title: "", meta: new Map() };
  const metas: [string | null, string | null][] = [];
  const rewriter = new HTMLRewriter()
    .on("*", {
      element(element) {
        parsed.elements.push({ tag: element.tagName, attributes: [...element.attributes].map(([name]) => name ?? "") });
        if (element.tagName === "meta") {
          metas.push([
            element.getAttribute("property") ?? element.getAttribute("name"),
            element.getAttribute("content"),
          ]);
        }
      },
    })
    .on("title", {
      text(chunk) {
        parsed.title += chunk.text;
      },
    });
  await rewriter.transform(response).text();
  // Checked once the parse is done: a failed expectation inside a handler would only abort the stream.
  for (const [key, content] of metas) {
    if (key === null || content === null || ["viewport", "color-scheme", "theme-color"].includes(key)) continue;
    expect(parsed.meta.has(key), `${key} given twice`).toBe(false);
    parsed.meta.set(key, decodeAttribute(content));
  }
  return parsed;
}

async function page(path: string): Promise<ParsedPage> {
  const response = await call(path);
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
  return parsePage(response);
}

async function claim(room: string): Promise<string> {
  const response = await call(`${roomPath(room)}/owner`, { method: "POST" });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ownerKey: string }).ownerKey;
}

async function setTopic(room: string | undefined, key: string, topic: string): Promise<void> {
  const response = await call(`${roomPath(room)}/room`, {
    method: "PATCH",
    ...jsonBody({ topic }),
    headers: { ...jsonBody({}).headers, "Chat-Room-Key": key },
  });
  expect(response.status).toBe(200);
}

describe("a room's page", () => {
  it("is titled and described for its room, with every link-preview tag once and absolute URLs", async () => {
    const room = freshRoom("page");
    const { title, meta } = await page(`/r/${room}/?utm_source=elsewhere`);
    expect(title).toBe(`${room} · Chat`);
    expect([...meta.keys()].sort()).toEqual([...TAGS].sort());
    expect(Object.fromEntries(meta)).toEqual({
      description: SITE_DESCRIPTION,
      "og:title": `${room} · Chat`,
      "og:description": SITE_DESCRIPTION,
      "og:type": "website",
      "og:url": `${ORIGIN}/r/${room}/`,
      "og:image": `${ORIGIN}/icons/icon-maskable-512.png`,
      "og:site_name": "Chat",
      "twitter:card": "summary",
      "twitter:title": `${room} · Chat`,
      "twitter:description": SITE_DESCRIPTION,
    });
    const image = await call(new URL(meta.get("og:image") ?? "").pathname);
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toBe("image/png");
    await image.body?.cancel();
  });

  it("takes its URL's origin from the request", async () => {
    const room = freshRoom("origin");
    const { meta } = await parsePage(await SELF.fetch(`https://chat.example/r/${room}/`));
    expect(meta.get("og:url")).toBe(`https://chat.example/r/${room}/`);
    expect(meta.get("og:image")).toBe("https://chat.example/icons/icon-maskable-512.png");
  });

  it("is described by the room's topic, and follows the topic as it changes", async () => {
    const room = freshRoom("topic");
    const key = await claim(room);
    await setTopic(room, key, "Launch day: questions welcome");
    let { meta } = await page(`/r/${room}/`);
    for (const tag of ["description", "og:description", "twitter:description"]) {
      expect(meta.get(tag), tag).toBe("Launch day: questions welcome");
    }
    await setTopic(room, key, "Launch done, thanks all");
    ({ meta } = await page(`/r/${room}/`));
    expect(meta.get("og:description")).toBe("Launch done, thanks all");
    await setTopic(room, key, "");
    ({ meta } = await page(`/r/${room}/`));
    expect(meta.get("og:description")).toBe(SITE_DESCRIPTION);
    expect(meta.get("description")).toBe(SITE_DESCRIPTION);
  });

  it.each([
    `"><script>alert(1)</script>`,
    `' onload='x`,
    `</title><script>alert(2)</script><title>`,
    `Q&amp;A, &lt;b&gt;bold&lt;/b&gt;, &#34;, &quot and & alone`,
    `<meta property="og:title" content="forged">`,
  ])("keeps the topic %s inside the tags' values, exactly", async (topic) => {
    const room = freshRoom("markup");
    const plain = await page(`/r/${room}/`);
    await setTopic(room, await claim(room), topic);
    const marked = await page(`/r/${room}/`);
    // The same elements with the same attributes, only the descriptions' values changed.
    expect(marked.elements.map((element) => element.tag)).toEqual(plain.elements.map((element) => element.tag));
    expect(marked.elements.map((element) => element.attributes)).toEqual(
      plain.elements.map((element) => element.attributes),
    );
    expect(marked.title).toBe(plain.title);
    for (const tag of ["description", "og:description", "twitter:description"]) {
      expect(marked.meta.get(tag), tag).toBe(topic);
    }
    expect(marked.meta.get("og:title")).toBe(`${room} · Chat`);
  });

  it("names nobody who is in the room", async () => {
    const room = freshRoom("quiet");
    await joinAs(room, "Zebulon Present");
    const html = await (await call(`/r/${room}/`)).text();
    expect(html).not.toContain("Zebulon");
  });

  it("neither claims the room nor keeps it from being claimed", async () => {
    const room = freshRoom("unclaimed");
    await page(`/r/${room}/`);
    expect((await call(`/r/${room}/`, { method: "HEAD" })).status).toBe(200);
    expect((await env.CHAT_ROOM.getByName(room).stats()).lastEventId).toBe(0);
    const key = await claim(room);
    // The claim holds: the key it answered sets the topic, and looking again changes nothing.
    await setTopic(room, key, "Mine");
    expect((await page(`/r/${room}/`)).meta.get("og:description")).toBe("Mine");
    const again = await call(`/r/${room}/owner`, { method: "POST" });
    expect(again.status).toBe(409);
    await again.body?.cancel();
  });

  it("answers HEAD with the page's headers, and no validator of the shared file", async () => {
    const room = freshRoom("head");
    const head = await call(`/r/${room}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await head.text()).toBe("");
    const get = await call(`/r/${room}/`);
    // One ETag for every room's page would let a cache answer one room with another's tags.
    expect(get.headers.get("ETag")).toBeNull();
    expect(get.headers.get("Content-Security-Policy")).toContain("manifest-src 'self'");
    await get.body?.cancel();
  });
});

describe("the lobby's page", () => {
  it("is titled for the lobby and described by its topic, or by the site", async () => {
    const plain = await page("/");
    expect(plain.title).toBe("lobby · Chat");
    expect(plain.meta.get("og:title")).toBe("lobby · Chat");
    expect(plain.meta.get("og:url")).toBe(`${ORIGIN}/`);
    expect(plain.meta.get("og:image")).toBe(`${ORIGIN}/icons/icon-maskable-512.png`);
    expect(plain.meta.get("og:description")).toBe(SITE_DESCRIPTION);
    await setTopic(undefined, ADMIN_TOKEN, "Say hello & <wave>");
    try {
      const described = await page("/");
      expect(described.meta.get("og:description")).toBe("Say hello & <wave>");
      expect(described.meta.get("twitter:description")).toBe("Say hello & <wave>");
    } finally {
      await setTopic(undefined, ADMIN_TOKEN, "");
    }
  });

  it("takes only GET and HEAD", async () => {
    const response = await call("/", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    await response.body?.cancel();
  });
});

describe("the web app manifest", () => {
  it("is served as a manifest, and its icons and the touch icon as PNGs", async () => {
    const response = await call("/manifest.webmanifest");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as {
      start_url: string;
      scope: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ start_url: "/", scope: "/", display: "standalone" });
    expect(manifest.icons.map(({ sizes, purpose }) => `${sizes} ${purpose}`).sort()).toEqual([
      "192x192 any",
      "192x192 maskable",
      "512x512 any",
      "512x512 maskable",
    ]);
    for (const src of [...manifest.icons.map((icon) => icon.src), "/apple-touch-icon.png"]) {
      const icon = await call(src);
      expect(icon.status, src).toBe(200);
      expect(icon.headers.get("Content-Type"), src).toBe("image/png");
      const bytes = new Uint8Array(await icon.arrayBuffer());
      expect([...bytes.slice(0, 8)], src).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
  });
});
