import { expect, test } from "bun:test";
import type { StreamEvent } from "../../../../api/schemas.ts";
import { WebSocketSink } from "../../../../engine/sinks/websocket-sink.ts";

// Without a store the sink numbers events itself; the hub side is covered in test/integration/api.
test("without a store: insights get increasing seqs, rollups carry the latest one", async () => {
  const events: StreamEvent[] = [];
  const sink = new WebSocketSink({ publish: (e) => events.push(e) });
  const rec = (key: string, kind: string, version = 1) => ({ key, tenant: "acme", version, kind, headers: {}, timestamp: 1, value: { conversationId: "c-1", status: "final" } });
  await sink.write([rec("m-1", "message"), rec("m-1", "message", 2), rec("c-1", "rollup"), rec("x", "alert")]);
  expect(events.map((e) => [e.type, e.seq, e.conversationId])).toEqual([["insight", 1, "c-1"], ["insight", 2, "c-1"], ["rollup", 2, "c-1"]]);
});
