// The one-pass JSON shape scan: bounds depth, members, token count and string length, and is not
// fooled by brackets, commas or escaped quotes inside strings.
import { describe, expect, test } from "bun:test";
import { DEFAULT_JSON_LIMITS, scanJson } from "../../../api/json-scan.ts";

const limits = { maxDepth: 4, maxMembers: 3, maxValues: 20, maxStringLength: 10 };

describe("scanJson", () => {
  test("empty, scalar and realistic documents pass", () => {
    expect(scanJson("", limits)).toBeNull();
    expect(scanJson("42", limits)).toBeNull();
    expect(scanJson('{"text":"refund?","author":"customer"}', limits)).toBeNull();
    expect(scanJson(JSON.stringify({ messages: Array.from({ length: 500 }, (_, i) => ({ id: `m-${i}`, text: "hello" })) }), DEFAULT_JSON_LIMITS)).toBeNull();
  });

  test("nesting deeper than the limit is refused at the first bracket over it", () => {
    expect(scanJson("[[[[]]]]", limits)).toBeNull();
    expect(scanJson("[[[[[]]]]]", limits)).toEqual({ path: "/", message: "nested deeper than 4 levels" });
    expect(scanJson("[".repeat(20_000), DEFAULT_JSON_LIMITS)).toEqual({ path: "/", message: "nested deeper than 32 levels" });
    expect(scanJson('{"a":{"b":{"c":{"d":{}}}}}', limits)?.message).toBe("nested deeper than 4 levels");
  });

  test("too many members in one container, or too many tokens overall", () => {
    expect(scanJson("[1,2,3]", limits)).toBeNull();
    expect(scanJson("[1,2,3,4]", limits)).toEqual({ path: "/", message: "has an object or array with more than 3 members" });
    expect(scanJson('{"a":1,"b":2,"c":3,"d":4}', limits)?.message).toBe("has an object or array with more than 3 members");
    const many = JSON.stringify([[1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 2, 3]].slice(0, 3).map((a) => [a, a]));
    expect(scanJson(many, { ...limits, maxValues: 10 })?.message).toBe("has more than 10 keys and values");
  });

  test("long strings (keys or values) are refused", () => {
    expect(scanJson('"0123456789"', limits)).toBeNull();
    expect(scanJson('"0123456789x"', limits)).toEqual({ path: "/", message: "contains a string longer than 10 characters" });
    expect(scanJson('{"0123456789x":1}', limits)?.message).toBe("contains a string longer than 10 characters");
  });

  test("brackets, commas and escaped quotes inside strings do not count", () => {
    expect(scanJson('["[[[[[", "a,b,c,d"]', { ...limits, maxStringLength: 100 })).toBeNull();
    expect(scanJson('["\\"[[[[[[", 1]', { ...limits, maxStringLength: 100 })).toBeNull();
  });
});
