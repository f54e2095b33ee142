// Sentiment, insights, summary, validator (JSON repair and re-ask) and embedding.
import { describe, expect, test } from "bun:test";
import { scoreText, sentiment } from "../../../agents/sentiment.ts";
import { classifyIntent, insights, urgencyOf } from "../../../agents/insights.ts";
import { summary } from "../../../agents/summary.ts";
import { extractJson } from "../../../agents/json-repair.ts";
import { parseLlmOutput, validate } from "../../../agents/validator.ts";
import { embed } from "../../../agents/embedding.ts";
import { AGENTS } from "../../../agents/index.ts";
import { SentimentOutput } from "../../../agents/sentiment.ts";
import { systemClock } from "../../../engine/clock.ts";
import { logger } from "../../../engine/log.ts";

const ctx = <S,>(state: S) => ({ key: "c", tenant: "t", state, clock: systemClock, log: logger("test"), attempt: 1, signal: new AbortController().signal });
const msg = (text: string, id = "m") => ({ id, conversationId: "c", tenant: "t", text });

describe("sentiment", () => {
  test("empty text is neutral", () => {
    expect(scoreText("").score).toBe(0);
  });
  test("negation, intensifiers and contrast", () => {
    expect(scoreText("good").score).toBeGreaterThan(0);
    expect(scoreText("not good").score).toBeLessThan(0);
    expect(scoreText("very good").score).toBeGreaterThan(scoreText("good").score);
    expect(scoreText("The agent was nice but the app is still broken").score).toBeLessThan(0);
    expect(scoreText("It was slow but it works now, thanks so much").score).toBeGreaterThan(0);
  });
  test("emoji, caps and domain phrases", () => {
    expect(scoreText("😡😡").score).toBeLessThan(-0.5);
    expect(scoreText("works perfectly 🎉").score).toBeGreaterThan(0.5);
    expect(scoreText("THIS IS STILL NOT WORKING").score).toBeLessThan(-0.5);
  });
  test("the trend follows the conversation", async () => {
    let state = sentiment.initialState();
    const labels: string[] = [];
    let trend = "";
    for (const t of ["This is terrible, still broken!!", "ok, trying again", "Works now, thank you so much!"]) {
      const r = await sentiment.offline(msg(t), ctx(state), {});
      state = r.state!;
      labels.push(r.output.label);
      trend = r.output.trend;
      expect(validate(SentimentOutput, r.output)).toEqual([]);
    }
    expect(labels[0]).toBe("negative");
    expect(labels[2]).toBe("positive");
    expect(trend).toBe("improving");
    expect(state.count).toBe(3);
  });
});

describe("insights", () => {
  test("intents from the taxonomy", () => {
    expect(classifyIntent("I was charged twice for my order").intent).toBe("billing_charge_dispute");
    expect(classifyIntent("please cancel my subscription").intent).toBe("cancel_subscription");
    expect(classifyIntent("I forgot my password").intent).toBe("password_reset");
    expect(classifyIntent("Under GDPR delete my data").intent).toBe("data_privacy_request");
    expect(classifyIntent("lorem ipsum").intent).toBe("other");
  });
  test("urgency, action items, entities and escalation", async () => {
    expect(urgencyOf("My lawyer will contact you", "complaint")).toBe("critical");
    expect(urgencyOf("no rush, just curious", "product_question")).toBe("low");
    const r = await insights.offline(msg("Order #A12345 never arrived. Please refund $49.99 today or I'll switch to a competitor."), ctx(insights.initialState()), {});
    expect(r.output.actionItems).toEqual(["Please refund $49.99 today or I'll switch to a competitor."]);
    expect(r.output.entities).toContainEqual({ type: "order_id", value: "A12345" });
    expect(r.output.entities).toContainEqual({ type: "amount", value: "$49.99" });
    expect(r.output.escalation).toContain("churn_risk");
  });
  test("the same problem raised a third time escalates", async () => {
    let state = insights.initialState();
    let last: { urgency: string; escalation: string[] } | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await insights.offline(msg("The export doesn't work"), ctx(state), {});
      state = r.state!;
      last = r.output;
    }
    expect(last!.urgency).toBe("high");
    expect(last!.escalation).toContain("repeated_contact");
  });
});

describe("summary", () => {
  test("a rolling summary with bounded state", async () => {
    let state = summary.initialState();
    let out = { summary: "", sentences: 0, messages: 0 };
    for (let i = 0; i < 40; i++) {
      const r = await summary.offline(msg(`Message ${i} about the invoice export failing on Mondays. Another sentence number ${i} with filler words here.`), ctx(state), { keep: 10 });
      state = r.state!;
      out = r.output;
    }
    expect(state.candidates.length).toBeLessThanOrEqual(10);
    expect(out.messages).toBe(40);
    expect(out.sentences).toBeGreaterThan(0);
    expect(out.summary.length).toBeGreaterThan(10);
  });
  test("empty text keeps an empty summary", async () => {
    const r = await summary.offline(msg(""), ctx(summary.initialState()), {});
    expect(r.output.summary).toBe("");
  });
});

describe("validator", () => {
  test("JSON repair: fences, prose, trailing commas, single quotes, unquoted keys, truncation", () => {
    expect(extractJson('```json\n{"a": 1}\n```').value).toEqual({ a: 1 });
    expect(extractJson('Sure! Here it is: {"a": [1, 2,],} hope that helps').value).toEqual({ a: [1, 2] });
    expect(extractJson("{'label': 'positive'}").value).toEqual({ label: "positive" });
    expect(extractJson("{label: \"negative\", score: -0.5}").value).toEqual({ label: "negative", score: -0.5 });
    expect(extractJson('{"a": {"b": [1, 2').value).toEqual({ a: { b: [1, 2] } });
    expect(() => extractJson("no json here")).toThrow();
  });
  test("schema validation and a bounded re-ask with the errors", async () => {
    const asks: string[] = [];
    const good = await parseLlmOutput(SentimentOutput, '{"label":"great","score":2}', async (issues) => {
      asks.push(issues.map((i) => i.path).join(","));
      return '{"label":"positive","score":0.8,"confidence":0.9,"trend":"stable"}';
    });
    expect(good.value).toEqual({ label: "positive", score: 0.8, confidence: 0.9, trend: "stable" });
    expect(good.reasks).toBe(1);
    expect(asks[0]).toContain("/label");
    await expect(parseLlmOutput(SentimentOutput, "{}", async () => "{}", 2)).rejects.toMatchObject({ code: "LLM_BAD_OUTPUT" });
  });
  test("the validator agent marks invalid upstream output", async () => {
    const v = AGENTS.validator;
    const r = await v.offline(msg("hello") as never, { ...ctx(v.initialState()), upstream: { sentiment: { label: "meh" }, pii: { findings: [], redacted: "hello", mode: "tag" } } } as never, {} as never);
    const out = r.output as { valid: boolean; checked: Array<{ agent: string; valid: boolean }> };
    expect(out.valid).toBe(false);
    expect(out.checked.map((c) => [c.agent, c.valid])).toEqual([["sentiment", false], ["pii", true]]);
  });
});

describe("embedding", () => {
  test("deterministic, normalised, similar texts closer", () => {
    const a = embed("refund for my order");
    expect(a).toEqual(embed("refund for my order"));
    expect(Math.abs(Math.hypot(...a) - 1)).toBeLessThan(1e-3);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(a, embed("refund for my last order"))).toBeGreaterThan(dot(a, embed("the app crashes on start")));
  });
});
