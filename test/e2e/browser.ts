import type { Browser, BrowserContext, Locator, Page } from "playwright-core";

export { CHROMIUM_PATH, launchBrowser } from "../support/node/chromium";

/** A person: their own browser context (own storage and cookies) and one page. */
export interface Person {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged, which a test expects to be empty. */
  errors: string[];
}

export async function newPerson(browser: Browser, baseUrl: string, width = 900, height = 640): Promise<Person> {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: baseUrl });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  watch(page, errors);
  return { context, page, errors };
}

/** Collects what a page throws or logs as an error. */
export function watch(page: Page, errors: string[]): void {
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("dialog", (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
}

/** Opens a room's page and joins it under `name` with the page's own form. */
export async function joinRoom(person: Person, room: string, name: string): Promise<void> {
  const { page } = person;
  await page.goto(`/r/${room}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join" }).click();
  await page.getByLabel("Message", { exact: true }).waitFor();
  await page.locator("#connection[data-state=live]").waitFor();
}

/** Types a message and sends it with Enter, as a person would. */
export async function send(person: Person, text: string): Promise<void> {
  const input = person.page.getByLabel("Message", { exact: true });
  await input.fill(text);
  await input.press("Enter");
}

/** The texts of the chat messages shown, in order. */
export async function shownMessages(page: Page): Promise<string[]> {
  return page.locator("#messages .message .text").allTextContents();
}

/** The message whose text includes `text`, as shown on `page` once the room has sent it. */
export function messageWith(page: Page, text: string): Locator {
  return page.locator("#messages li.message:not(.pending)", { has: page.locator(".text", { hasText: text }) });
}

/** Presses one of a message's buttons (named as assistive technology names it), pointing at the message first, as a person does. */
export async function pressOnMessage(person: Person, text: string, button: string): Promise<void> {
  const message = messageWith(person.page, text);
  await message.hover();
  await message.getByRole("button", { name: button }).click();
}

/**
 * Chooses one of the room's owner or moderator tools: from the Manage room menu, which a phone
 * keeps inside the room's menu.
 */
export async function manageRoom(page: Page, tool: string): Promise<void> {
  const roomMenu = page.getByRole("button", { name: "Room menu" });
  if (await roomMenu.isVisible()) await roomMenu.click();
  await page.getByRole("button", { name: "Manage room" }).click();
  await page.getByRole("menu", { name: "Manage room" }).getByRole("menuitem", { name: tool }).click();
}

/** The names of the items of the menu that is open on `page`. */
export async function menuItems(page: Page): Promise<string[]> {
  const menu = page.locator('[role="menu"]:popover-open');
  return (await menu.getByRole("menuitem").allTextContents()).map((text) => text.trim());
}
