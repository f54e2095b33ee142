// `weir run topology/support.yaml`, the main job, run as a user runs it: a process with the API.
// Embedded mode (no KAFKA_BROKERS, no DATABASE_URL) must still answer insight queries and WebSocket
// catch-up; with KAFKA_BROKERS it runs both stages on the real broker. SIGTERM stops it cleanly.
import { afterEach, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { BROKERS } from "../../helpers/kafka.ts";
import { waitFor } from "../../helpers/wait.ts";
import { startFakeElasticsearch } from "../../fakes/elasticsearch.ts";
import { startFakeQdrant } from "../../fakes/qdrant.ts";
import { fakeLlmServer } from "../../fakes/llm-server.ts";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLines } from "../../helpers/lines.ts";

const cli = resolve(import.meta.dir, "../../../cli/weir.ts");
const KEY = "run-test-key";
let proc: ReturnType<typeof Bun.spawn> | undefined;
afterEach(() => proc?.kill("SIGKILL"));

/** Starts `weir run` and resolves with its API URL and its log lines so far (kept up to date). */
async function startRun(env: Record<string, string | undefined>, file = "topology/support.yaml") {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const lines: Array<Record<string, unknown>> = [];
  const p = Bun.spawn(["bun", cli, "run", file, "--port", String(port)], {
    cwd: resolve(import.meta.dir, "../../.."),
    env: { ...process.env, KAFKA_BROKERS: "", DATABASE_URL: "", WEIR_API_KEYS: `acme:${KEY}`, WEIR_LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  proc = p;
  for (const stream of [p.stdout, p.stderr] as ReadableStream<Uint8Array>[]) void readLines(stream, (_raw, parsed) => lines.push(parsed));
  await waitFor(() => lines.some((l) => l.msg === "running"), "weir run to start", 60_000);
  return { url: `http://127.0.0.1:${port}`, lines, proc: p };
}

const auth = { authorization: `Bearer ${KEY}`, "content-type": "application/json" };

/** POST /v1/messages; the API must accept it (202 after Kafka's acknowledgement). */
async function ingest(url: string, message: { id: string; conversationId: string; text: string }) {
  const res = await fetch(`${url}/v1/messages`, { method: "POST", headers: auth, body: JSON.stringify(message) });
  expect(res.status).toBe(202);
}

/** SIGTERM, and the process must drain and exit 0. */
async function stopCleanly(p: ReturnType<typeof Bun.spawn>) {
  p.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}

async function finalInsights(url: string, conversationId: string, n: number) {
  let rows: Array<{ messageId: string; status: string; result: Record<string, any> }> = [];
  await waitFor(async () => {
    const res = await fetch(`${url}/v1/conversations/${conversationId}/insights`, { headers: auth });
    rows = res.ok ? ((await res.json()) as { insights: typeof rows }).insights : [];
    return rows.filter((r) => r.status === "final").length >= n;
  }, `${n} final insights`, 30_000);
  return rows;
}

describe("weir run", () => {
  test("embedded: ingest over HTTP, insights from the in-memory store, WebSocket catch-up, clean SIGTERM", async () => {
    const { url, lines, proc: p } = await startRun({});
    expect(lines.some((l) => String(l.msg).includes("KAFKA_BROKERS is not set"))).toBe(true);
    expect(lines.some((l) => String(l.msg).includes("DATABASE_URL is not set"))).toBe(true);
    const texts = ["My card 4111 1111 1111 1111 was charged twice, I want a refund now!", "Thanks, that fixed it. Great support!"];
    for (const [i, text] of texts.entries()) {
      await ingest(url, { id: `run-m${i}`, conversationId: "run-c1", text });
    }
    const rows = await finalInsights(url, "run-c1", 2);
    const first = rows.find((r) => r.messageId === "run-m0")!;
    expect(first.result.outputs.pii.redacted).not.toContain("4111");
    expect(first.result.outputs.insights.intent).toMatch(/billing/);
    expect(first.result.outputs.sentiment.label).toBe("negative");
    const conv = (await (await fetch(`${url}/v1/conversations/run-c1`, { headers: auth })).json()) as { messageCount: number; rollup: { messages: number } };
    expect(conv.messageCount).toBe(2);
    expect(conv.rollup.messages).toBe(2);

    // A subscriber that reconnects with since=0 gets what it missed from the store.
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws/conversations/run-c1?since=0&access_token=${KEY}`);
    const got: Array<{ type: string; data?: { messageId: string } }> = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)));
    await waitFor(() => new Set(got.filter((m) => m.type === "insight").map((m) => m.data?.messageId)).size >= 2, "catch-up over WebSocket", 10_000);
    ws.close();

    const health = (await (await fetch(`${url}/health`)).json()) as { ok: boolean; components: Array<{ name: string; ok: boolean }> };
    expect(health.ok).toBe(true);
    expect(health.components.map((c) => c.name).sort()).toEqual(["kafka", "pipeline", "store"]);

    await stopCleanly(p);
    const stopped = lines.find((l) => l.msg === "stopped") as { consumed: number; deadLettered: number } | undefined;
    expect(stopped?.deadLettered).toBe(0);
    expect(stopped!.consumed).toBeGreaterThanOrEqual(4);
  }, 90_000);

  // Elasticsearch cannot run here: a local server speaking its REST format stands in (see the helper).
  test("with ELASTICSEARCH_URL, results are indexed and GET /v1/search answers from them", async () => {
    const es = startFakeElasticsearch();
    try {
      const { url, proc: p } = await startRun({ ELASTICSEARCH_URL: es.url });
      await ingest(url, { id: "es-m1", conversationId: "es-c1", text: "The invoice total is wrong, I need a corrected invoice." });
      await finalInsights(url, "es-c1", 1);
      let hits: Array<{ messageId: string; conversationId: string }> = [];
      await waitFor(async () => {
        const r = await fetch(`${url}/v1/search?q=invoice`, { headers: auth });
        hits = r.ok ? ((await r.json()) as { hits: typeof hits }).hits : [];
        return hits.length > 0;
      }, "a search hit", 20_000);
      expect(hits[0]).toMatchObject({ messageId: "es-m1", conversationId: "es-c1" });
      expect(es.requests).toContain("PUT /_index_template/weir-messages-template");
      await stopCleanly(p);
    } finally {
      es.stop();
    }
  }, 90_000);

  // Qdrant cannot run here either: a local server speaking its REST API stands in (see the helper).
  test("with QDRANT_URL, messages are embedded and GET /v1/conversations/:id/similar ranks the closest", async () => {
    const qd = startFakeQdrant();
    try {
      const { url, proc: p } = await startRun({ QDRANT_URL: qd.url });
      const texts: Record<string, string> = {
        "sim-a": "I was charged twice for my subscription this month, please refund the double charge.",
        "sim-b": "There is a double charge on my card for the subscription, I need a refund.",
        "sim-c": "How do I export my project to PDF from the desktop app?",
      };
      for (const [c, text] of Object.entries(texts)) {
        await ingest(url, { id: `${c}-m`, conversationId: c, text });
      }
      for (const c of Object.keys(texts)) await finalInsights(url, c, 1);
      await waitFor(() => qd.points.size >= 3, "three points in Qdrant", 20_000);
      const r = await fetch(`${url}/v1/conversations/sim-a/similar?limit=2`, { headers: auth });
      expect(r.status).toBe(200);
      const { similar } = (await r.json()) as { similar: Array<{ conversationId: string; score: number }> };
      expect(similar.map((s) => s.conversationId)).toEqual(["sim-b", "sim-c"]);
      expect(similar[0].score).toBeGreaterThan(similar[1].score);
      await stopCleanly(p);
    } finally {
      qd.stop();
    }
  }, 90_000);

  // No LLM provider is reachable from here: a local server speaking OpenAI's chat-completions format
  // stands in (test/fakes/llm-server.ts).
  test("an LLM-backed summary: the model sees only redacted text, and its answer reaches the insight", async () => {
    const llm = fakeLlmServer("openai", [{ kind: "ok", json: { summary: "Customer was charged twice and wants a refund." } }]);
    try {
      const dir = mkdtempSync(join(tmpdir(), "weir-llm-"));
      const file = join(dir, "support-llm.yaml");
      const yaml = readFileSync(resolve(import.meta.dir, "../../../topology/support.yaml"), "utf8").replace("    implementation: offline       # set to llm (with provider) to summarise with a model", "    implementation: llm\n    provider: openai\n    config: { model: gpt-4o-mini }");
      expect(yaml).toContain("implementation: llm");
      writeFileSync(file, yaml);
      const { url, proc: p } = await startRun({ OPENAI_BASE_URL: `${llm.url}/v1`, OPENAI_API_KEY: "sk-test", WEIR_OPENAI_MODE: "json_object" }, file);
      const text = "My card 4111 1111 1111 1111 was charged twice. Email me at jane.doe@example.com please.";
      await ingest(url, { id: "llm-m1", conversationId: "llm-c1", text });
      const [row] = await finalInsights(url, "llm-c1", 1);
      expect(row.result.outputs.summary.summary).toBe("Customer was charged twice and wants a refund.");
      expect(llm.requests.length).toBeGreaterThan(0);
      const sent = JSON.stringify(llm.requests[0].body);
      expect(sent).not.toContain("4111");
      expect(sent).not.toContain("jane.doe@example.com");
      expect(llm.requests[0].body.model).toBe("gpt-4o-mini");
      await stopCleanly(p);
    } finally {
      llm.stop();
    }
  }, 90_000);

  test("no Kafka at KAFKA_BROKERS: it waits, then exits 4 naming the brokers", async () => {
    const p = Bun.spawn(["bun", cli, "run", "topology/support.yaml", "--no-api"], {
      cwd: resolve(import.meta.dir, "../../.."),
      env: { ...process.env, KAFKA_BROKERS: "127.0.0.1:1", WEIR_KAFKA_CONNECT_TIMEOUT_MS: "3000", DATABASE_URL: "" },
      stderr: "pipe",
      stdout: "pipe",
    });
    expect(await p.exited).toBe(4);
    const err = await new Response(p.stderr).text();
    expect(err).toContain("cannot reach Kafka at 127.0.0.1:1 within 3 s");
    expect(err).toContain('"code":"KAFKA_TIMEOUT"');
  }, 30_000);

  test("on the real broker: both stages over Kafka, results queryable, clean SIGTERM", async () => {
    const { url, lines, proc: p } = await startRun({ KAFKA_BROKERS: BROKERS });
    expect(lines.some((l) => String(l.msg).includes("KAFKA_BROKERS is not set"))).toBe(false);
    const id = `run-k-${crypto.randomUUID().slice(0, 8)}`;
    await ingest(url, { id, conversationId: id, text: "The app crashes every time I open settings. Please fix this urgently." });
    const [row] = await finalInsights(url, id, 1);
    expect(row.messageId).toBe(id);
    expect(Object.keys(row.result.outputs).sort()).toEqual(["insights", "pii", "sentiment", "summary", "validator"]);
    await stopCleanly(p);
  }, 120_000);
});
