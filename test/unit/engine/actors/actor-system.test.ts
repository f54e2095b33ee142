// Actors: strictly ordered per key, concurrent across keys up to the limit, failures isolated,
// idle actors dropped.
import { describe, expect, test } from "bun:test";
import { ActorSystem } from "../../../../engine/actors/actor-system.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ActorSystem", () => {
  test("one key runs in order even when later work is faster", async () => {
    const a = new ActorSystem({ concurrency: 8 });
    const seen: number[] = [];
    await Promise.all([30, 5, 1, 10].map((ms, i) => a.tell("k", async () => (await tick(ms), seen.push(i)))));
    expect(seen).toEqual([0, 1, 2, 3]);
  });
  test("different keys run concurrently, never above the limit", async () => {
    const a = new ActorSystem({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 12 }, (_, i) => a.tell(`k${i}`, async () => {
      peak = Math.max(peak, ++running);
      await tick(5);
      running--;
    })));
    expect(peak).toBe(3);
  });
  test("a failure rejects its own message only; the mailbox goes on; idle actors are dropped", async () => {
    const a = new ActorSystem({ concurrency: 2 });
    const first = a.tell("k", async () => {
      throw new Error("boom");
    });
    const second = a.tell("k", async () => "ok");
    await expect(first).rejects.toThrow("boom");
    expect(await second).toBe("ok");
    await a.idle();
    expect(a.actors()).toBe(0);
    expect(a.depth()).toBe(0);
  });
});
