// `weir run` and Ctrl-C, as a person meets them while something hangs: here the summary agent waits
// on a model server that accepts connections and never answers, so records stay in flight. The
// first SIGINT starts a drain bounded by WEIR_DRAIN_TIMEOUT_MS (a copy of it delivered at once, as a
// terminal and `bun run` both send it, is not a second one); a second exits at once, saying so;
// a lone SIGTERM ends within the drain timeout however stuck the work is.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { waitFor } from "../helpers/wait.ts";
import { startWeirRun } from "../helpers/weir-run.ts";

let silent: TCPSocketListener;
const held: Array<{ end(): void }> = [];
beforeAll(() => {
  silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: (s) => void held.push(s), data() {} } });
});
afterAll(() => {
  for (const s of held) s.end();
  silent.stop(true);
});

const KEY = "key-acme";
async function stuckRun(drainMs: number) {
  const run = await startWeirRun({ WEIR_API_KEYS: `acme:${KEY}`, OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: `http://127.0.0.1:${silent.port}/v1`, WEIR_DRAIN_TIMEOUT_MS: String(drainMs) }, "topology/examples/llm-summary.yaml");
  const res = await fetch(`${run.url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ conversationId: "c-1", text: "Where is my parcel?" }) });
  expect(res.status).toBe(202);
  // The model call is open: the record is in flight.
  await waitFor(() => held.length > 0, "the summary agent to call the model");
  return run;
}

describe("weir run and signals", () => {
  test("a second SIGINT during the drain exits at once (130) with a log line", async () => {
    const run = await stuckRun(60_000);
    run.proc.kill("SIGINT");
    await waitFor(() => run.lines.some((l) => l.msg === "stopping"), "the first SIGINT to start the drain");
    // A copy of the same Ctrl-C (process group + `bun run` forwarding) must not count as a second one.
    run.proc.kill("SIGINT");
    await waitFor(() => run.lines.some((l) => String(l.msg).startsWith("draining what is in flight; Ctrl-C again")), "the drain to say a second Ctrl-C exits");
    expect(run.lines.some((l) => String(l.msg).startsWith("second SIGINT"))).toBe(false);
    run.proc.kill("SIGINT");
    expect(await run.proc.exited).toBe(130);
    expect(run.lines.find((l) => String(l.msg).startsWith("second SIGINT"))).toMatchObject({ level: "warn", msg: "second SIGINT: exiting now without finishing the drain" });
  }, 90_000);

  test("a lone SIGTERM ends within the drain timeout even with work stuck", async () => {
    const run = await stuckRun(4_000);
    run.proc.kill("SIGTERM");
    // Stuck work is given up (reprocessed by the next owner) or the deadline exits; never a hang.
    const code = await run.proc.exited;
    expect([0, 1]).toContain(code);
    expect(run.lines.some((l) => l.msg === "stopping" && l.drainTimeoutS === 4)).toBe(true);
    expect(run.lines.some((l) => l.msg === "stopped" || String(l.msg).startsWith("did not stop within 4 s"))).toBe(true);
  }, 90_000);
});
