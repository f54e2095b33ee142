// waitUntil: true as soon as the condition holds, false once the timeout passes.
import { describe, expect, test } from "bun:test";
import { waitUntil } from "../../../engine/wait.ts";

describe("waitUntil", () => {
  test("resolves true at once when the condition already holds", async () => {
    let calls = 0;
    expect(await waitUntil(() => (calls++, true), { timeoutMs: 0 })).toBe(true);
    expect(calls).toBe(1);
  });
  test("polls until the condition holds, async conditions too", async () => {
    let n = 0;
    expect(await waitUntil(async () => ++n >= 3, { intervalMs: 1 })).toBe(true);
    expect(n).toBe(3);
  });
  test("gives up with false after the timeout", async () => {
    expect(await waitUntil(() => false, { timeoutMs: 20, intervalMs: 1 })).toBe(false);
  });
  test("a throwing condition rejects", async () => {
    await expect(
      waitUntil(() => {
        throw new Error("broken probe");
      }),
    ).rejects.toThrow("broken probe");
  });
});
