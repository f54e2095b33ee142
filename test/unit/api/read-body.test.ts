// Reading a JSON body: media type first (415), then size by header and by bytes read (413), then
// the shape scan and parse (400) — and no error message quotes the body.
import { describe, expect, test } from "bun:test";
import { isJsonContentType, readJsonBody } from "../../../api/read-body.ts";
import { DEFAULT_JSON_LIMITS } from "../../../api/json-scan.ts";
import { WeirError } from "../../../engine/errors.ts";

const limits = { maxBodyBytes: 1024, json: DEFAULT_JSON_LIMITS };
const req = (body: BodyInit, contentType: string | null = "application/json", headers: Record<string, string> = {}) =>
  new Request("http://weir.test/v1/messages", { method: "POST", headers: { ...(contentType ? { "content-type": contentType } : {}), ...headers }, body });
async function failure(p: Promise<unknown>) {
  const e = await p.then(() => null, (e) => e);
  expect(e).toBeInstanceOf(WeirError);
  return { code: (e as WeirError).code, message: (e as WeirError).message, issues: (e as WeirError).details.issues };
}

describe("isJsonContentType", () => {
  test("application/json in any case, with parameters; +json types; charset must be UTF-8", () => {
    for (const t of ["application/json", "Application/JSON; charset=utf-8", "application/json;charset=\"UTF-8\"", "application/vnd.weir+json"]) expect(isJsonContentType(t)).toBe(true);
    for (const t of [null, "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonp"]) expect(isJsonContentType(t)).toBe(false);
  });
});

describe("readJsonBody", () => {
  test("parses a JSON body", async () => {
    expect(await readJsonBody(req('{"text":"hi"}', "Application/JSON; charset=utf-8"), limits)).toEqual({ text: "hi" });
  });

  test("form-encoded, multipart and missing media types → UNSUPPORTED_MEDIA_TYPE", async () => {
    const form = new FormData();
    form.set("text", "hi");
    for (const r of [req("text=hi", "application/x-www-form-urlencoded"), new Request("http://weir.test/", { method: "POST", body: form }), req('{"text":"hi"}', null)])
      expect((await failure(readJsonBody(r, limits))).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  test("over the limit by Content-Length or by bytes read → PAYLOAD_TOO_LARGE", async () => {
    const big = JSON.stringify({ text: "x".repeat(2000) });
    expect(await failure(readJsonBody(req(big, "application/json", { "content-length": String(big.length) }), limits))).toEqual({ code: "PAYLOAD_TOO_LARGE", message: "body exceeds the limit of 1024 bytes", issues: undefined });
    expect((await failure(readJsonBody(req(new Blob([big]).stream()), limits))).code).toBe("PAYLOAD_TOO_LARGE");
  });

  test("bad JSON → VALIDATION_FAILED without quoting the body", async () => {
    const f = await failure(readJsonBody(req('{"text": jane doe}'), limits));
    expect(f).toEqual({ code: "VALIDATION_FAILED", message: "body is not valid JSON", issues: [{ path: "/", message: "not valid JSON" }] });
    expect(JSON.stringify(f)).not.toContain("jane");
  });

  test("hostile shapes are refused before parsing", async () => {
    const f = await failure(readJsonBody(req("[".repeat(400) + "]".repeat(400)), limits));
    expect(f.issues).toEqual([{ path: "/", message: "nested deeper than 32 levels" }]);
  });
});
