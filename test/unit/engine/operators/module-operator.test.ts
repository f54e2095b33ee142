// `module:` filter and map operators run user code from the topology's folder; a record the code
// throws on goes to the dead-letter topic while the rest flow; a bad reference fails at start.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { loadTopology } from "../../../../topology/load.ts";
import { createMemoryTransport } from "../../../../engine/transport/memory.ts";
import { Pipeline } from "../../../../engine/runtime/pipeline.ts";
import { WeirError } from "../../../../engine/errors.ts";
import { consumeN, text } from "../../../helpers/kafka.ts";
import { waitFor } from "../../../helpers/wait.ts";

const file = resolve(import.meta.dir, "../../../fixtures/topology/module-ops.yaml");

describe("module operators", () => {
  test("filter and map from a module; a throwing record is dead-lettered, the others flow", async () => {
    const t = createMemoryTransport();
    const p = new Pipeline({ topology: loadTopology(file), transport: t, agents: {}, commitIntervalMs: 20 });
    await p.start();
    const rows = [
      { id: "1", tenant: "acme", text: "hello" },
      { id: "2", tenant: "other", text: "dropped by the filter" },
      { id: "3", tenant: "acme", text: "EXPLODE" },
      { id: "4", tenant: "acme", text: "bye" },
    ];
    await t.producer().send(rows.map((r) => ({ topic: "mod.in", key: r.id, value: JSON.stringify(r) })));
    const out = t.consumer({ groupId: "r1" });
    out.subscribe(["mod.out"]);
    const got = (await consumeN(out, 2)).map((m) => JSON.parse(text(m.value)!)).sort((a, b) => a.id.localeCompare(b.id));
    expect(got).toEqual([
      { id: "1", tenant: "acme", text: "HELLO", tagged: true },
      { id: "4", tenant: "acme", text: "BYE", tagged: true },
    ]);
    const dlq = t.consumer({ groupId: "r2" });
    dlq.subscribe(["mod.dlq"]);
    const [dead] = await consumeN(dlq, 1);
    const header = (k: string) => text(dead.headers.find(([h]) => h === k)?.[1] ?? null);
    expect(JSON.parse(text(dead.value)!).id).toBe("3");
    expect(header("weir.dlq.stage")).toBe("tag");
    expect(header("weir.dlq.error.code")).toBe("OPERATOR_FAILED");
    expect(header("weir.dlq.error.message")).toContain("cannot tag this record");
    // Every record, the filtered and the dead-lettered included, is finished and committable.
    await waitFor(() => p.inFlight() === 0, "all records finished");
    await p.stop();
  });

  test("a missing export or file fails at start with the operator's name", async () => {
    for (const [ref, msg] of [
      ["./transforms.ts#nope", 'operator "acme": '],
      ["./transforms.ts#notAFunction", 'has no exported function "notAFunction"'],
      ["./missing.ts#f", "cannot load module"],
    ]) {
      const topology = { ...loadTopology(file) };
      topology.operators = topology.operators!.map((o) => (o.name === "acme" ? { ...o, module: ref } : o));
      const p = new Pipeline({ topology, transport: createMemoryTransport(), agents: {} });
      const err = await p.start().then(() => null, (e) => e);
      expect(err).toBeInstanceOf(WeirError);
      expect(err.code).toBe("TOPOLOGY_INVALID");
      expect(err.message).toContain(msg);
    }
  });
});
