// @ts-check
/**
 * Draws the app's PNG icons from the shapes of public/favicon.svg, in headless Chromium. It was
 * run once by hand and its output is committed: it is not part of any build. Run it again only
 * when the favicon changes:
 *
 *   node scripts/render-icons.mjs
 *
 * - icons/icon-<size>.png: the favicon as it is, rounded, with transparent corners ("any").
 * - icons/icon-maskable-<size>.png: the colour to every edge and the bubble inside the middle
 *   80% circle, which is all a launcher's mask is sure to leave ("maskable"). Being opaque, the
 *   512 one is also the link-preview image.
 * - apple-touch-icon.png: 180 px, opaque, as iOS rounds the corners itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const publicDir = join(dirname(fileURLToPath(import.meta.url)), "..", "public");
const favicon = readFileSync(join(publicDir, "favicon.svg"), "utf8");
const background = /<rect [^>]*fill="(#[0-9a-f]{6})"/i.exec(favicon)?.[1];
const bubble = /<path [^>]*\/>/.exec(favicon)?.[0];
if (!background || !bubble) throw new Error("public/favicon.svg no longer has the rect and path this script draws");

// The bubble's box is x 6–26, y 10–26 of 32: centred on (16, 18), half a diagonal of 12.8, which
// is exactly the safe circle's radius (40% of 32). Scaled down a little, it keeps a margin.
const fullBleed = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
  <rect width="32" height="32" fill="${background}" />
  <g transform="translate(16 16) scale(0.82) translate(-16 -18)">${bubble}</g>
</svg>`;

/** @type {{ file: string, size: number, svg: string }[]} */
const icons = [
  { file: "icons/icon-192.png", size: 192, svg: favicon },
  { file: "icons/icon-512.png", size: 512, svg: favicon },
  { file: "icons/icon-maskable-192.png", size: 192, svg: fullBleed },
  { file: "icons/icon-maskable-512.png", size: 512, svg: fullBleed },
  { file: "apple-touch-icon.png", size: 180, svg: fullBleed },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  mkdirSync(join(publicDir, "icons"), { recursive: true });
  for (const { file, size, svg } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const sized = svg.replace("<svg ", `<svg width="${size}" height="${size}" `);
    await page.setContent(
      `<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${sized}`,
    );
    writeFileSync(join(publicDir, file), await page.screenshot({ omitBackground: true }));
    await page.close();
    console.log(`public/${file}: ${size}×${size}`);
  }
} finally {
  await browser.close();
}
