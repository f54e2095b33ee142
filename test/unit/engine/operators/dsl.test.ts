// The stream DSL end to end on the TopologyTestDriver: WordCount (split, groupBy with a repartition
// topic, count, key and number serde on the sink), a table joined to a stream and counted per group,
// and module flatMap / aggregate / reduce / map-to-null. Outputs are compared with what the inputs
// say directly (latest value per key on the output topic).
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { TopologyTestDriver } from "../../../../engine/testing/test-driver.ts";
import { loadTopology, parseTopology } from "../../../../topology/load.ts";

const root = resolve(import.meta.dir, "../../../..");
const latest = (records: Array<{ key: string | null; value: unknown }>) => Object.fromEntries(records.map((r) => [r.key, r.value]));

const LINES = ["The quick brown fox", "jumps over the lazy dog", "", "THE DOG barks; the fox runs!", "a fox, a dog, a cat"];
function expectedCounts(lines: string[]) {
  const c: Record<string, number> = {};
  for (const l of lines) for (const w of l.toLowerCase().split(/\W+/)) if (w) c[w] = (c[w] ?? 0) + 1;
  return c;
}

describe("stream DSL", () => {
  test("WordCount (topology/examples/wordcount.yaml): the latest count per word equals the corpus's", async () => {
    const driver = await TopologyTestDriver.create(loadTopology(resolve(root, "topology/examples/wordcount.yaml")), {});
    await driver.pipeInput("wordcount.lines", LINES.map((line, i) => ({ key: `l${i}`, value: line })));
    const out = driver.readOutput("wordcount.counts");
    expect(latest(out)).toEqual(expectedCounts(LINES));
    // Every occurrence of a word went through one repartition partition: its counts on the topic only go up by one.
    const byWord = new Map<string, number[]>();
    for (const r of out) byWord.set(r.key!, [...(byWord.get(r.key!) ?? []), r.value as number]);
    for (const counts of byWord.values()) expect(counts).toEqual(counts.map((_, i) => i + 1));
    expect(driver.readOutput("weir-wordcount-byWord-repartition").length).toBe(Object.values(expectedCounts(LINES)).reduce((a, b) => a + b, 0));
    await driver.close();
  });

  test("page views per region: a table joined to a stream (inner), regrouped and counted", async () => {
    const driver = await TopologyTestDriver.create(loadTopology(resolve(root, "topology/examples/page-views.yaml")), {});
    await driver.pipeInput("pageviews.users", [
      { key: "u1", value: { userId: "u1", region: "eu" } },
      { key: "u2", value: { userId: "u2", region: "us" } },
      { key: "u3", value: { userId: "u3", region: "eu" } },
    ]);
    await driver.pipeInput("pageviews.views", [
      { key: "u1", value: { userId: "u1", page: "/a" } },
      { key: "u2", value: { userId: "u2", page: "/a" } },
      { key: "u3", value: { userId: "u3", page: "/b" } },
      { key: "u9", value: { userId: "u9", page: "/c" } }, // no such user: dropped by the inner join
      { key: "u1", value: { userId: "u1", page: "/c" } },
    ]);
    // u2 moves to the eu region: later views count there.
    await driver.pipeInput("pageviews.users", [{ key: "u2", value: { userId: "u2", region: "eu" } }]);
    await driver.pipeInput("pageviews.views", [{ key: "u2", value: { userId: "u2", page: "/d" } }]);
    expect(latest(driver.readOutput("pageviews.per-region"))).toEqual({ eu: 4, us: 1 });
    // The table and the counts answer interactive queries from the member that owns the key.
    expect(driver.pipeline.query("userTable", "u2")).toEqual({ userId: "u2", region: "eu" });
    expect(driver.pipeline.query("perRegion", "eu")).toBe(4);
    expect(driver.pipeline.query("userTable", "nobody")).toBeUndefined();
    expect(() => driver.pipeline.query("nope", "x")).toThrow(/no table, count, reduce or aggregate operator "nope"/);
    await driver.close();
  });

  test("module flatMap, aggregate and reduce get the record's coordinates; a map returning null drops the record", async () => {
    const topo = parseTopology(
      `name: orders
version: 1
sources: [{ name: orders, topic: orders, key: id, groupId: g-orders, partitions: 1 }]
operators:
  - { name: paid, input: orders, type: map, module: ./modules.ts#onlyPaid }
  - { name: lines, input: paid, type: flatMap, module: ./modules.ts#items }
  - { name: bySku, input: lines, type: groupBy, field: sku }
  - { name: totals, input: bySku, type: aggregate, module: ./modules.ts#totals, initial: { qty: 0, orders: [] } }
  - { name: biggest, input: bySku, type: reduce, module: ./modules.ts#largest }
sinks:
  - { name: t, input: totals, type: topic, topic: totals }
  - { name: b, input: biggest, type: topic, topic: biggest, value: value.qty, serde: number }
  - { name: l, input: lines, type: topic, topic: lines }
deadLetter: { topic: orders.dlq }
`,
      resolve(root, "test/fixtures/dsl/orders.yaml"),
      { baseDir: resolve(root, "test/fixtures/dsl") },
    );
    const driver = await TopologyTestDriver.create({ ...topo, baseDir: resolve(root, "test/fixtures/dsl") }, {});
    await driver.pipeInput("orders", [
      { key: "o1", value: { id: "o1", paid: true, items: [{ sku: "A", qty: 2 }, { sku: "B", qty: 1 }] } },
      { key: "o2", value: { id: "o2", paid: false, items: [{ sku: "A", qty: 50 }] } },
      { key: "o3", value: { id: "o3", paid: true, items: [] } },
      { key: "o4", value: { id: "o4", paid: true, items: [{ sku: "A", qty: 5 }] } },
    ]);
    expect(latest(driver.readOutput("totals"))).toEqual({ A: { key: "A", value: { qty: 7, orders: ["o1", "o4"] } }, B: { key: "B", value: { qty: 1, orders: ["o1"] } } });
    expect(latest(driver.readOutput("biggest"))).toEqual({ A: 5, B: 1 });
    const lines = driver.readOutput("lines").map((r) => [r.key, (r.value as { from: string }).from]);
    // The sink keeps the record's key (the order id, from the source's key field); the module saw the coordinates.
    expect(lines).toEqual([
      ["o1", "orders/0@0"],
      ["o1", "orders/0@0"],
      ["o4", "orders/0@3"],
    ]);
    expect(driver.readOutput("orders.dlq")).toEqual([]);
    await driver.close();
  });
});

describe("your own agents", () => {
  test("an agent named by module path runs as an actor per key with changelogged state (topology/examples/order-watch.yaml)", async () => {
    const topo = loadTopology(resolve(root, "topology/examples/order-watch.yaml"));
    const driver = await TopologyTestDriver.create(topo, {});
    const orders = [10, 12, 11, 100, 9].map((amount, i) => ({ key: "ann", value: { id: `o${i}`, customer: "ann", amount } }));
    await driver.pipeInput("shop.orders", [...orders, { key: "bob", value: { id: "b1", customer: "bob", amount: 100 } }]);
    const out = driver.readOutput("shop.checked-orders").map((r) => [r.key, (r.value as { id: string }).id, (r.value as { watch: { unusual: boolean } }).watch.unusual]);
    // Keys run concurrently; each key's orders in order.
    expect(out.filter((o) => o[0] === "ann")).toEqual([
      ["ann", "o0", false],
      ["ann", "o1", false],
      ["ann", "o2", false],
      ["ann", "o3", true],
      ["ann", "o4", false],
    ]);
    expect(out.filter((o) => o[0] === "bob")).toEqual([["bob", "b1", false]]);
    // Its state went to the group's changelog like a built-in agent's.
    const changelog = driver.readOutput("weir-order-watch-watch-changelog");
    expect(latest(changelog).ann).toMatchObject({ orders: 5 });
    await driver.close();
  });

  test("a reference that exports no definition fails at start, naming what is missing", async () => {
    const topo = parseTopology(`name: bad-agent\nversion: 1\nsources: [{ name: s, topic: s }]\nagents: [{ name: a, agent: ./modules.ts#totals, input: s }]\nsinks: [{ name: o, input: a, type: topic, topic: o }]\n`, "bad.yaml");
    await expect(TopologyTestDriver.create({ ...topo, baseDir: resolve(root, "test/fixtures/dsl") }, {})).rejects.toThrow(/agent "\.\/modules\.ts#totals": .*has no exported definition|lacks/);
  });
});

describe("windowed top-N (topology/examples/top-pages.yaml)", () => {
  test("each closed minute's top three pages equal the views counted directly", async () => {
    const driver = await TopologyTestDriver.create(loadTopology(resolve(root, "topology/examples/top-pages.yaml")), {});
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    const views: Array<[string, number]> = [];
    // Minute 0: a ×5, b ×3, c ×3, d ×1; minute 1: d ×4, a ×1.
    for (const [page, n] of [["a", 5], ["b", 3], ["c", 3], ["d", 1]] as const) for (let i = 0; i < n; i++) views.push([page, t0 + 1000 * (i + 1)]);
    for (const [page, n] of [["d", 4], ["a", 1]] as const) for (let i = 0; i < n; i++) views.push([page, t0 + 60_000 + 1000 * (i + 1)]);
    // Stream time is per partition (as in Kafka Streams): a view of every page past minute 1's end +
    // grace closes both minutes' windows wherever they live; those minute-2 windows stay open.
    for (const page of ["a", "b", "c", "d"]) views.push([page, t0 + 130_000]);
    await driver.pipeInput("site.views", views.map(([page, ts], i) => ({ key: page, value: { page, userId: `u${i}` }, timestamp: ts })));
    const top = latest(driver.readOutput("site.top-pages")) as Record<string, { value: { pages: Array<{ page: string; views: number }> } }>;
    expect(Object.fromEntries(Object.entries(top).map(([w, v]) => [w, v.value.pages.map((p) => `${p.page}:${p.views}`)]))).toEqual({
      [`${t0}-${t0 + 60_000}`]: ["a:5", "b:3", "c:3"],
      [`${t0 + 60_000}-${t0 + 120_000}`]: ["d:4", "a:1"],
    });
    await driver.close();
  });
});
