// Operators over envelopes: empty, one, many, drops release their branch, dedupe TTL and memory
// bound, tumbling and hopping windows under a ManualClock, early unsubscribe.
import { describe, expect, test } from "bun:test";
import { Subject, toArray, lastValueFrom, from } from "rxjs";
import { DedupeState, WindowState, dedupeBy, filterRecords, keyByField, mapRecords, matches, windowBy } from "../../../../engine/operators/operators.ts";
import type { Envelope } from "../../../../engine/runtime/envelope.ts";
import { ManualClock } from "../../../../engine/clock.ts";
import { StateStore } from "../../../../engine/state/state-store.ts";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import type { WindowSpec } from "../../../../engine/operators/window.ts";

let nextOffset = 0;
function env(value: Record<string, unknown>, ts = 0, released: string[] = [], offset = nextOffset++): Envelope {
  const raw = { topic: "t", partition: 0, offset, key: null, value: null, headers: [] };
  return { value, key: String(value.k ?? ""), topic: "t", partition: 0, offset, headers: [], timestamp: ts, outputs: {}, origin: { topic: "t", partition: 0, offset }, raw, fork: () => {}, release: () => released.push(String(value.id)) };
}

describe("operators", () => {
  test("filter: empty, one, many; dropped records release their branch", async () => {
    expect(await lastValueFrom(from([] as Envelope[]).pipe(filterRecords(() => true), toArray()))).toEqual([]);
    const released: string[] = [];
    const out = await lastValueFrom(from([1, 2, 3, 4].map((i) => env({ id: i, n: i }, 0, released))).pipe(filterRecords((v) => (v.n as number) % 2 === 0), toArray()));
    expect(out.map((e) => e.value.id)).toEqual([2, 4]);
    expect(released).toEqual(["1", "3"]);
  });
  test("conditions", () => {
    const v = { text: " hi ", n: 3, tags: ["a"], nested: { x: "yes" } };
    expect(matches({ field: "text", op: "nonEmpty" }, v)).toBe(true);
    expect(matches({ field: "n", op: "gt", value: 2 }, v)).toBe(true);
    expect(matches({ field: "nested.x", op: "eq", value: "yes" }, v)).toBe(true);
    expect(matches({ field: "missing", op: "exists" }, v)).toBe(false);
    expect(matches({ field: "text", op: "matches", value: "^\\s*h" }, v)).toBe(true);
    expect(matches({ field: "n", op: "in", value: [1, 3] }, v)).toBe(true);
  });
  test("map and keyBy", async () => {
    const [e] = await lastValueFrom(from([env({ id: 1, user: "u1" })]).pipe(mapRecords((v) => ({ ...v, seen: true })), keyByField("user"), toArray()));
    expect(e.value).toEqual({ id: 1, user: "u1", seen: true });
    expect(e.key).toBe("u1");
  });
  test("dedupe drops repeats within the TTL and keeps its memory bounded", async () => {
    const clock = new ManualClock(0);
    const s = new Subject<Envelope>();
    const got: unknown[] = [];
    const released: string[] = [];
    const state = new DedupeState(new StateStore("dedupe-changelog", createMemoryTransport(), () => createMemoryTransport().producer()), 1000, 2, clock);
    s.pipe(dedupeBy("id", state)).subscribe((e) => got.push(e.value.id));
    s.next(env({ id: "a" }, 0, released));
    s.next(env({ id: "a" }, 0, released));
    await clock.advance(1001);
    s.next(env({ id: "a" }, 0, released));
    s.next(env({ id: "b" }, 0, released));
    s.next(env({ id: "c" }, 0, released));
    s.next(env({ id: "a" }, 0, released)); // evicted by the 2-key bound, so seen again
    expect(got).toEqual(["a", "a", "b", "c", "a"]);
    expect(released).toEqual(["a"]);
  });
  test("dedupe lets the claiming record itself through again (a replay after a crash), not another copy", () => {
    const state = new DedupeState(new StateStore("dedupe-changelog", createMemoryTransport(), () => createMemoryTransport().producer()), 60_000, 100, new ManualClock(0));
    const s = new Subject<Envelope>();
    const got: number[] = [];
    s.pipe(dedupeBy("id", state)).subscribe((e) => got.push(e.offset));
    s.next(env({ id: "x" }, 0, [], 10));
    s.next(env({ id: "x" }, 0, [], 11)); // a producer retry: another record, same id
    s.next(env({ id: "x" }, 0, [], 10)); // the first record read again after a restart
    expect(got).toEqual([10, 10]);
  });
  const windowState = (spec: Partial<WindowSpec> = {}) => {
    const t = createMemoryTransport();
    return new WindowState(new StateStore("w-window-changelog", t, () => t.producer()), { sizeMs: 1000, advanceMs: 1000, graceMs: 0, collect: false, emit: "onClose", ...spec });
  };

  test("tumbling windows: records are released at once; a window emits once stream time passes its end", () => {
    const s = new Subject<Envelope>();
    const out: Array<Record<string, unknown>> = [];
    const released: string[] = [];
    const sub = s.pipe(windowBy(windowState())).subscribe((e) => {
      out.push(e.value);
      e.release();
    });
    s.next(env({ id: "1", k: "a" }, 100, released));
    s.next(env({ id: "2", k: "a" }, 900, released));
    s.next(env({ id: "3", k: "b" }, 950, released));
    expect(released).toEqual(["1", "2", "3"]);
    expect(out).toEqual([]);
    s.next(env({ id: "4", k: "a" }, 1100, released));
    expect(out).toEqual([{ key: "a", start: 0, end: 1000, count: 2 }, { key: "b", start: 0, end: 1000, count: 1 }]);
    // A record for the closed window is late: dropped (released), not counted.
    s.next(env({ id: "5", k: "a" }, 500, released));
    s.next(env({ id: "6", k: "a" }, 2000, released));
    expect(out.at(-1)).toEqual({ key: "a", start: 1000, end: 2000, count: 1 });
    expect(released).toEqual(["1", "2", "3", "4", "5", "6"]);
    sub.unsubscribe();
  });

  test("grace keeps a window open for late records; hopping windows place a record in every window that covers it", () => {
    const s = new Subject<Envelope>();
    const out: Array<Record<string, unknown>> = [];
    s.pipe(windowBy(windowState({ advanceMs: 500, graceMs: 300, collect: true }))).subscribe((e) => out.push(e.value));
    s.next(env({ id: "x", k: "a" }, 700));
    s.next(env({ id: "y", k: "a" }, 1200)); // closes nothing yet: [0,1000) waits until 1300
    s.next(env({ id: "late-but-in-grace", k: "a" }, 800));
    s.next(env({ id: "z", k: "a" }, 1300));
    expect(out.map((w) => [w.start, w.end, w.count, (w.records as Array<{ id: string }>).map((r) => r.id)])).toEqual([[0, 1000, 2, ["x", "late-but-in-grace"]]]);
  });

  test("onUpdate: each record continues as the running result of its window", () => {
    const s = new Subject<Envelope>();
    const out: Array<Record<string, unknown>> = [];
    s.pipe(windowBy(windowState({ emit: "onUpdate" }))).subscribe((e) => out.push(e.value));
    s.next(env({ id: "1", k: "a" }, 100));
    s.next(env({ id: "2", k: "a" }, 200));
    expect(out.map((w) => w.count)).toEqual([1, 2]);
  });

  test("windows are restored from the changelog by the next owner of the partition", async () => {
    const t = createMemoryTransport();
    const producer = t.producer();
    const make = () => new WindowState(new StateStore("w2-window-changelog", t, () => producer), { sizeMs: 1000, advanceMs: 1000, graceMs: 0, collect: false, emit: "onClose" });
    const a = make();
    const sa = new Subject<Envelope>();
    sa.pipe(windowBy(a)).subscribe(() => {});
    sa.next(env({ id: "1", k: "a" }, 100));
    sa.next(env({ id: "2", k: "a" }, 200));
    await a.store.flush();
    const b = make();
    await b.store.restore(0, "g");
    const out: Array<Record<string, unknown>> = [];
    const sb = new Subject<Envelope>();
    sb.pipe(windowBy(b)).subscribe((e) => out.push(e.value));
    b.assigned(0);
    sb.next(env({ id: "3", k: "a" }, 300));
    sb.next(env({ id: "4", k: "a" }, 1500));
    expect(out).toEqual([{ key: "a", start: 0, end: 1000, count: 3 }]);
  });
});
