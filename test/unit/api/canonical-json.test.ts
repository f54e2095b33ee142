// Canonical JSON: the same value gives the same text whatever the key order.
import { describe, expect, test } from "bun:test";
import { canonicalJson } from "../../../api/canonical-json.ts";

describe("canonicalJson", () => {
  test("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, 1] })).toBe('{"a":[{"c":3,"d":2},1],"b":1}');
    expect(canonicalJson(JSON.parse('{"text":"hi","author":"agent"}'))).toBe(canonicalJson(JSON.parse('{ "author": "agent", "text": "hi" }')));
  });
  test("scalars, null, empty containers", () => {
    expect([null, 1, "x", true, [], {}].map(canonicalJson)).toEqual(["null", "1", '"x"', "true", "[]", "{}"]);
  });
});
