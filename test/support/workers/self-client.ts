import { SELF } from "cloudflare:test";
import { chatClient } from "../chat-client.ts";

/** The origin workerd tests address the Worker at; any origin reaches it through SELF. */
export const ORIGIN = "http://chat.test";

/**
 * The chat client of workerd tests: every request goes straight into the Worker under test,
 * through SELF. Only tests running inside workerd can import this file.
 */
export const chat = chatClient((url, init) => SELF.fetch(url, init), ORIGIN);

/** {@link chat}'s functions, one by one. */
export const { call, joinAs, say, sayOk, act, leave, users, openStream } = chat;
