// Validation issues name the field and the reason and never the value; allowed values are listed.
import { describe, expect, test } from "bun:test";
import { IngestMessage } from "../../../api/schemas.ts";
import { validator } from "../../../api/validation.ts";

const v = validator(IngestMessage);

describe("validator(IngestMessage)", () => {
  test("a valid message passes", () => {
    expect(v.check({ id: "m-1", conversationId: "ticket:42", text: "refund please", author: "customer" })).toBe(true);
    expect(v.issues({ text: "refund please" })).toEqual([]);
  });

  test("issues name the field and reason, never the value", () => {
    const issues = v.issues({ text: 4111111111111111, author: "bob", conversationId: "R\u0000x", extra: "jane@example.com" });
    expect(issues).toEqual([
      { path: "/extra", message: "is not a known field" },
      { path: "/conversationId", message: "must be 1–128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (never personal data)" },
      { path: "/text", message: "must be a string" },
      { path: "/author", message: "must be one of: customer, agent, bot" },
    ]);
    const text = JSON.stringify(issues);
    for (const secret of ["4111111111111111", "bob", "jane@example.com", "\\u0000"]) expect(text).not.toContain(secret);
  });

  test("one issue per field: a missing text is 'is required'", () => {
    expect(v.issues({})).toEqual([{ path: "/text", message: "is required" }]);
    expect(v.issues({ text: "" })).toEqual([{ path: "/text", message: "must not be empty" }]);
    expect(v.issues("hello")).toEqual([{ path: "/", message: "must be an object" }]);
  });
});
