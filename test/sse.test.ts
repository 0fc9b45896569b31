import { describe, expect, it } from "vitest";
import { encodeComment, encodeMessage, encodeRetry } from "../src/streams/sse";

describe("SSE encoder", () => {
  it("frames data alone as one data line and a blank line", () => {
    expect(encodeMessage({ data: "hello" })).toBe("data: hello\n\n");
  });

  it("writes event, id and retry before data, in that order", () => {
    expect(encodeMessage({ event: "gap", id: 7, retry: 1500, data: "{}" })).toBe(
      "event: gap\nid: 7\nretry: 1500\ndata: {}\n\n",
    );
  });

  it("writes an id and a retry of 0 rather than dropping them", () => {
    expect(encodeMessage({ id: 0, retry: 0, data: "x" })).toBe("id: 0\nretry: 0\ndata: x\n\n");
  });

  it("writes an empty id, which resets the client's last event id", () => {
    expect(encodeMessage({ id: "", data: "x" })).toBe("id: \ndata: x\n\n");
  });

  it.each([
    ["LF", "a\nb\nc"],
    ["CR", "a\rb\rc"],
    ["CRLF", "a\r\nb\r\nc"],
    ["mixed", "a\r\nb\rc"],
  ])("splits %s line endings into one data line each", (_, data) => {
    expect(encodeMessage({ data })).toBe("data: a\ndata: b\ndata: c\n\n");
  });

  it("keeps empty lines inside data, including a trailing one", () => {
    expect(encodeMessage({ data: "a\n\nb\n" })).toBe("data: a\ndata: \ndata: b\ndata: \n\n");
  });

  it("frames empty data as a single empty data line", () => {
    expect(encodeMessage({ data: "" })).toBe("data: \n\n");
  });

  it("keeps a leading space, which the client's one-space strip then preserves", () => {
    expect(encodeMessage({ data: " padded" })).toBe("data:  padded\n\n");
  });

  it("passes non-ASCII text through unchanged", () => {
    expect(encodeMessage({ data: "안녕 👋" })).toBe("data: 안녕 👋\n\n");
  });

  it.each(["a\nb", "a\rb", "a\r\nb"])("refuses a line break in event (%j)", (event) => {
    expect(() => encodeMessage({ event, data: "x" })).toThrow(TypeError);
  });

  it.each(["1\n2", "1\r2", "1\r\n2"])("refuses a line break in id (%j)", (id) => {
    expect(() => encodeMessage({ id, data: "x" })).toThrow(TypeError);
  });

  it.each([-1, 1.5, Number.NaN])("refuses a retry of %s", (retry) => {
    expect(() => encodeMessage({ retry, data: "x" })).toThrow(TypeError);
    expect(() => encodeRetry(retry)).toThrow(TypeError);
  });

  it("frames a retry on its own, which dispatches no event", () => {
    expect(encodeRetry(3000)).toBe("retry: 3000\n\n");
  });

  it("frames comments, one per line", () => {
    expect(encodeComment("heartbeat")).toBe(": heartbeat\n\n");
    expect(encodeComment("a\r\nb")).toBe(": a\n: b\n\n");
  });
});
