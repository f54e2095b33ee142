// The summary agent's incremental state: every kept sentence carries its centrality, updated as
// messages arrive, so a message costs the same on the fifth turn as on the five-hundredth. These
// tests pin that the incremental scores equal a from-scratch computation, that the state stays
// bounded, that the recurring topic wins over small talk, and that older snapshots still restore.
import { describe, expect, test } from "bun:test";
import { addSentences, similarity, summary, topSentences, wordKey } from "../../../agents/summary.ts";
import { systemClock } from "../../../engine/clock.ts";
import { logger } from "../../../engine/log.ts";

const ctx = <S,>(state: S) => ({ key: "c", tenant: "t", state, clock: systemClock, log: logger("test"), attempt: 1, signal: new AbortController().signal });
const msg = (text: string) => ({ id: "m", conversationId: "c", tenant: "t", text });

const CONVERSATION = [
  "Hi, the CSV export of invoices has been failing since Monday's update. It times out after two minutes.",
  "I tried Chrome and Firefox, same thing. The invoice export spins and then shows a timeout error.",
  "Our accountant needs the invoice export by Friday for the quarterly close.",
  "By the way, love the new dashboard colours.",
  "Any update? The export still fails with the timeout on every invoice batch.",
  "Also, can you add my colleague to the account?",
  "Thanks, the export works again after your fix. Invoices downloaded fine.",
];

async function run(texts: string[], config: { keep?: number; maxSentences?: number } = {}) {
  let state = summary.initialState();
  let out = { summary: "", sentences: 0, messages: 0 };
  for (const t of texts) {
    const r = await summary.offline(msg(t), ctx(state), config);
    state = r.state!;
    out = r.output;
  }
  return { state, out };
}

describe("summary (incremental centrality)", () => {
  test("incremental scores equal the sum of similarities among the kept sentences", async () => {
    const { state } = await run(CONVERSATION, { keep: 6 });
    const kept = state.candidates.map((c) => ({ ...c, words: c.words! }));
    expect(kept).toHaveLength(6);
    expect(state.scores).toHaveLength(6);
    kept.forEach((c, i) => {
      const fresh = kept.filter((o) => o !== c).reduce((s, o) => s + similarity(c.words, o.words), 0);
      expect(state.scores![i]).toBeCloseTo(fresh, 9);
    });
  });

  test("the recurring problem is the summary, not the small talk", async () => {
    const { out } = await run(CONVERSATION);
    expect(out.messages).toBe(7);
    expect(out.sentences).toBe(3);
    expect(out.summary).toContain("export");
    expect(out.summary).not.toContain("dashboard colours");
    expect(out.summary).not.toContain("colleague");
  });

  test("state is bounded by keep however long the conversation, and the newest sentence is kept", async () => {
    const long = Array.from({ length: 300 }, (_, i) => `Message ${i}: the sync job failed again on server ${i % 7}. Retrying batch ${i} did not help.`);
    const { state, out } = await run(long, { keep: 10 });
    expect(state.candidates.length).toBe(10);
    expect(out.messages).toBe(300);
    expect(state.candidates.some((c) => c.text.startsWith("Retrying batch 299"))).toBe(true);
    // Kept in conversation order.
    const orders = state.candidates.map((c) => c.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
  });

  test("a snapshot from before scores were kept restores: missing words and scores are recomputed", async () => {
    const old = { candidates: [{ text: "The invoice export fails with a timeout.", order: 0 }, { text: "Export of invoices times out again.", order: 1 }], messages: 2 };
    const r = await summary.offline(msg("The invoice export timeout is blocking our close."), ctx(old), {});
    const fresh = await run(["The invoice export fails with a timeout.", "Export of invoices times out again.", "The invoice export timeout is blocking our close."]);
    expect(r.output).toEqual({ ...fresh.out, messages: 3 });
    expect(r.state).toEqual({ ...fresh.state, messages: 3 });
  });

  test("empty, one sentence, and text with no content words", async () => {
    expect((await run([""])).out).toEqual({ summary: "", sentences: 0, messages: 1 });
    expect((await run(["The refund for order 7 has not arrived."])).out.summary).toBe("The refund for order 7 has not arrived.");
    expect((await run(["ok", "thanks!"])).out).toEqual({ summary: "", sentences: 0, messages: 2 });
  });

  test("the input state is not modified", async () => {
    const before = addSentences({ candidates: [], scores: [] }, "The printer driver crashes on install. The installer log shows error 1603.", 24);
    const copy = structuredClone(before);
    const after = addSentences(before, "The driver installer crashes again with error 1603.", 2);
    expect(before).toEqual(copy);
    expect(after.candidates).toHaveLength(2);
    expect(topSentences(before, 1)).toHaveLength(1);
    expect(wordKey("Error error ERROR installer")).toHaveLength(2);
  });
});
