import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { pageSuite } from "./page-suite";

const suite = pageSuite("preview");

/** Each `<meta>` with a `property` or `name`, as the browser parsed it. */
function metaTags(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLMetaElement>("meta[property], meta[name]:not([name=theme-color])")).map(
        (meta) => [meta.getAttribute("property") ?? meta.name, meta.content],
      ),
    ),
  );
}

/** The head's elements, by tag and attribute names, as the browser built them. */
function headShape(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.head.children).map((child) => [child.localName, ...child.getAttributeNames()].join(" ")),
  );
}

describe("a room's page in Chromium", () => {
  it("is titled for its room and carries its topic in the link-preview tags, markup and quotes as text", async () => {
    const topic = `"><script>alert(1)</script> ' onload='x &amp; <b>bold</b>`;
    const plain = await suite.person();
    await plain.page.goto(`/r/${suite.room()}/`);
    const { room } = await suite.ownedRoom({ topic });
    const { page } = await suite.person();
    await page.goto(`/r/${room}/`);
    await page.locator("#connection[data-state=live]").waitFor();
    expect(await page.title()).toBe(`${room} · Chat`);
    const url = `${suite.server.url}/r/${room}/`;
    expect(await metaTags(page)).toEqual({
      viewport: "width=device-width, initial-scale=1",
      "color-scheme": "light dark",
      description: topic,
      "og:type": "website",
      "og:site_name": "Chat",
      "og:title": `${room} · Chat`,
      "og:description": topic,
      "og:url": url,
      "og:image": `${suite.server.url}/icons/icon-maskable-512.png`,
      "twitter:card": "summary",
      "twitter:title": `${room} · Chat`,
      "twitter:description": topic,
    });
    // Nothing broke out: the head has the elements a room without a topic has, and the only
    // script is the page's own.
    expect(await headShape(page)).toEqual(await headShape(plain.page));
    expect(await page.evaluate(() => Array.from(document.scripts).map((script) => script.src))).toEqual([
      `${suite.server.url}/app.js`,
    ]);
    expect(await page.locator("[onload]").count()).toBe(0);
    // The page's own script shows the same topic, as text.
    expect(await page.locator("#topic").textContent()).toBe(topic);
  });

  it("titles the lobby at /", async () => {
    const { page } = await suite.person();
    await page.goto("/");
    expect(await page.title()).toBe("lobby · Chat");
    const tags = await metaTags(page);
    expect(tags["og:title"]).toBe("lobby · Chat");
    expect(tags["og:url"]).toBe(`${suite.server.url}/`);
  });

  it("links a manifest that Chromium loads under the page's policy, with icons that load", async () => {
    const { page } = await suite.person();
    await page.goto(`/r/${suite.room()}/`);
    const manifestUrl = await page.locator("link[rel=manifest]").evaluate((link: HTMLLinkElement) => link.href);
    expect(manifestUrl).toBe(`${suite.server.url}/manifest.webmanifest`);
    // Chromium fetches and parses the manifest as it would to install the page; a policy
    // without manifest-src would block it and log the violation, failing the suite.
    const cdp = await page.context().newCDPSession(page);
    const loaded = await cdp.send("Page.getAppManifest", {});
    expect(loaded.url).toBe(manifestUrl);
    expect(loaded.errors).toEqual([]);
    const manifest = JSON.parse(loaded.data ?? "{}") as {
      name: string;
      short_name: string;
      start_url: string;
      scope: string;
      display: string;
      theme_color: string;
      background_color: string;
      icons: { src: string; sizes: string; type: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ start_url: "/", scope: "/", display: "standalone" });
    expect(manifest.theme_color).toBe("#f6f7f9");
    expect(manifest.background_color).toBe("#f6f7f9");
    expect(new Set(manifest.icons.map((icon) => icon.purpose))).toEqual(new Set(["any", "maskable"]));
    expect(new Set(manifest.icons.map((icon) => icon.sizes))).toEqual(new Set(["192x192", "512x512"]));

    const images = [
      ...manifest.icons.map((icon) => ({
        url: new URL(icon.src, manifestUrl).href,
        size: Number.parseInt(icon.sizes, 10),
      })),
      {
        url: await page.locator("link[rel=apple-touch-icon]").evaluate((link: HTMLLinkElement) => link.href),
        size: 180,
      },
      {
        url: await page.locator("meta[property='og:image']").evaluate((meta: HTMLMetaElement) => meta.content),
        size: 512,
      },
    ];
    for (const { url, size } of images) {
      const loadedImage = await page.evaluate(async (src) => {
        const response = await fetch(src);
        const image = new Image();
        image.src = src;
        await image.decode();
        return {
          status: response.status,
          type: response.headers.get("Content-Type"),
          width: image.naturalWidth,
          height: image.naturalHeight,
        };
      }, url);
      expect(loadedImage, url).toEqual({ status: 200, type: "image/png", width: size, height: size });
    }
    const served = await fetch(manifestUrl);
    expect(served.headers.get("Content-Type")).toMatch(/^application\/manifest\+json/);
    await served.body?.cancel();
  });

  it("gives the browser's bar the page's background in either theme", async () => {
    for (const [dark, colour] of [
      [false, "#f6f7f9"],
      [true, "#111318"],
    ] as const) {
      const { page } = await suite.person({ dark });
      await page.goto("/");
      const background = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--bg"));
      expect(background.trim()).toBe(colour);
      const themes = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLMetaElement>("meta[name=theme-color]"))
          .filter((meta) => matchMedia(meta.media).matches)
          .map((meta) => meta.content),
      );
      expect(themes).toEqual([colour]);
    }
  });
});
