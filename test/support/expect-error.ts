import { expect } from "vitest";

/** Checks a refusal: `status`, and the JSON body every refusal gets, `{ error, message }`, with `error` as given. */
export async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  expect(body.message.length).toBeGreaterThan(10);
}
