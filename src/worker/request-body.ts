import { concatBytes } from "../common/bytes";
import { MAX_BODY_BYTES } from "../common/config";
import { FailureError, fail } from "../common/result";

/** The fields of a request body, whether it came as a form or as JSON. */
export type Fields = ReadonlyMap<string, unknown>;

const tooLarge = () =>
  new FailureError(fail(413, "body_too_large", `A request body is at most ${MAX_BODY_BYTES / 1024} KiB.`));

/**
 * Reads a body sent as `application/x-www-form-urlencoded` (what the original jQuery client
 * sends), `multipart/form-data` or JSON. Reads at most {@link MAX_BODY_BYTES}, whatever
 * Content-Length claims.
 */
export async function readFields(request: Request): Promise<Fields> {
  const declared = Number(request.headers.get("Content-Length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readCapped(request);
  if (bytes.byteLength === 0) return new Map();

  const type = (request.headers.get("Content-Type") ?? "").split(";")[0]?.trim().toLowerCase();
  switch (type) {
    case "application/json":
      return jsonFields(decodeUtf8(bytes));
    case "application/x-www-form-urlencoded":
      return new Map(firstOfEach(new URLSearchParams(decodeUtf8(bytes))));
    case "multipart/form-data":
      return multipartFields(request.headers, bytes);
    default:
      throw new FailureError(
        fail(
          415,
          "unsupported_media_type",
          "Send the body as application/x-www-form-urlencoded, multipart/form-data or application/json.",
        ),
      );
  }
}

/** A field that, when present, must be a string. */
export function stringField(fields: Fields, name: string): string | undefined {
  const value = fields.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== "string") {
    throw new FailureError(fail(400, "invalid_field", `The field '${name}' must be a string.`));
  }
  return value;
}

/** A field that must be present and a string. */
export function requiredField(fields: Fields, name: string): string {
  const value = stringField(fields, name);
  if (value === undefined) {
    throw new FailureError(fail(400, "missing_field", `The field '${name}' is required.`));
  }
  return value;
}

async function readCapped(request: Request): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new FailureError(fail(400, "invalid_encoding", "The request body is not valid UTF-8."));
  }
}

function jsonFields(text: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FailureError(fail(400, "invalid_json", "The request body is not valid JSON."));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FailureError(fail(400, "invalid_json", "The JSON body must be an object."));
  }
  return new Map(Object.entries(value));
}

async function multipartFields(headers: Headers, bytes: Uint8Array): Promise<Fields> {
  let form: FormData;
  try {
    form = await new Response(bytes, { headers }).formData();
  } catch {
    throw new FailureError(fail(400, "invalid_form", "The multipart form could not be read."));
  }
  const fields = new Map<string, unknown>();
  for (const [key, value] of form) if (!fields.has(key)) fields.set(key, value);
  return fields;
}

/** Keeps the first value of a repeated form key, as Go's FormValue did. */
function firstOfEach(params: URLSearchParams): [string, string][] {
  const seen = new Map<string, string>();
  for (const [key, value] of params) if (!seen.has(key)) seen.set(key, value);
  return [...seen];
}
