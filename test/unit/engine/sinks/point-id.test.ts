import { describe, expect, test } from "bun:test";
import { pointId } from "../../../../engine/sinks/point-id.ts";

describe("pointId", () => {
  test("deterministic UUID (v5 layout) per tenant and message id", () => {
    const a = pointId("acme", "m-1");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId("acme", "m-1")).toBe(a);
    expect(pointId("acme", "m-2")).not.toBe(a);
    expect(pointId("globex", "m-1")).not.toBe(a);
  });
});
