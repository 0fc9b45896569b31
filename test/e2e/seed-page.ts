import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { PROJECT_ROOT } from "../support/node/project-root";

// The original tutorial chat's own page and script, and the jQuery it loads, served to the
// browser as if they were this origin's, so that its relative URLs reach our server.
const SEED_PAGE = readFileSync(new URL("./fixtures/seed-client.html", import.meta.url), "utf8");
const JQUERY = readFileSync(`${PROJECT_ROOT}node_modules/jquery/dist/jquery.min.js`, "utf8");

/** Someone on the original client: their own browser context and its one page. */
export interface SeedPerson {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged, which a test expects to be empty. */
  errors: string[];
}

/** Opens the original client on the server at `baseUrl`, answering its name prompt with `name`. */
export async function openSeedClient(browser: Browser, baseUrl: string, name: string): Promise<SeedPerson> {
  const context = await browser.newContext({ baseURL: baseUrl });
  await context.route(`${baseUrl}/seed-client.html`, (route) =>
    route.fulfill({ contentType: "text/html; charset=utf-8", body: SEED_PAGE }),
  );
  await context.route(`${baseUrl}/jquery.js`, (route) =>
    route.fulfill({ contentType: "text/javascript; charset=utf-8", body: JQUERY }),
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("dialog", (dialog) => void dialog.accept(name));
  // The client joins once its stream opens and sends with the cookie the join sets; a person
  // types only after that, so the page is ready when the join's answer has come back.
  const joined = page.waitForResponse(
    (response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/users/",
  );
  await page.goto("/seed-client.html");
  expect((await joined).status()).toBe(201);
  return { context, page, errors };
}

/** Sends a message as the original client's person does: typed into its field, then Enter. */
export async function seedSend(person: SeedPerson, text: string): Promise<void> {
  await person.page.locator("#chat-msg").fill(text);
  await person.page.locator("#chat-msg").press("Enter");
}

/** The chat log's lines, oldest first (the client puts the newest on top). */
export async function chatLog(page: Page): Promise<string[]> {
  return (await page.locator("#chat-log > div").allTextContents()).reverse();
}

/** Leaves as the page does when it is closed. */
export async function seedLeave(person: SeedPerson): Promise<void> {
  await person.page.evaluate(() => window.onbeforeunload?.(new Event("beforeunload")));
}
