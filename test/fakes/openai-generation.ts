// A local stand-in for an OpenAI-compatible provider as the generation job meets it: it answers
// chat completions with varied samples for a template (made by the local generator from a random
// seed), and on a seeded schedule with broken JSON, 429 (Retry-After) or 500. It can add latency and
// enforce a requests-per-second limit (answering 429 past it). It bills only what it answered with a
// body — `usage` per 200 response — and keeps the totals, so a test can compare weir's accounting
// with what the server saw. Used by test/integration/agents/generation-llm.test.ts and bench/generation.
import { resolveJob } from "../../agents/generation/job-request.ts";
import { localSample } from "../../agents/generation/local-generator.ts";
import { rng } from "../../agents/generation/random.ts";
import { templates } from "../../agents/generation/templates.ts";

export interface FakeOpenAiOptions {
  template: string;
  variables: Record<string, string>;
  /** Fractions of requests answered with broken JSON, 429 and 500 (seeded, reproducible). */
  broken?: number;
  rateLimited?: number;
  failed?: number;
  /** Added to every answer. */
  latencyMs?: number;
  /** Requests per second allowed (a token bucket with a one-second burst); past it, 429. */
  limitPerSecond?: number;
  seed?: string;
}

const estimate = (s: string) => Math.ceil(s.length / 4);

export function fakeOpenAi(o: FakeOpenAiOptions) {
  const { job } = resolveJob({ template: o.template, variables: o.variables, count: 1 }, templates());
  const t = templates().get(o.template)!;
  const r = rng(o.seed ?? "fake-openai");
  const seen = { requests: 0, ok: 0, broken: 0, rateLimited: 0, overLimit: 0, failed: 0, inputTokens: 0, outputTokens: 0, firstAt: 0, lastAt: 0 };
  /** performance.now() of each request admitted under the limit (rate-use measurements). */
  const admittedAt: number[] = [];
  let tokens = o.limitPerSecond ?? 0;
  let last = performance.now();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = (await req.json().catch(() => null)) as { model?: string; messages?: Array<{ content: string }> } | null;
      seen.requests++;
      seen.firstAt ||= performance.now();
      if (o.limitPerSecond) {
        const now = performance.now();
        tokens = Math.min(o.limitPerSecond, tokens + ((now - last) / 1000) * o.limitPerSecond);
        last = now;
        if (tokens < 1) {
          seen.overLimit++;
          return Response.json({ error: { message: "rate limit", type: "rate_limit_error" } }, { status: 429, headers: { "retry-after": "1" } });
        }
        tokens -= 1;
      }
      admittedAt.push(performance.now());
      if (o.latencyMs) await Bun.sleep(o.latencyMs);
      seen.lastAt = performance.now();
      const roll = r.next();
      const p429 = o.rateLimited ?? 0;
      const p500 = o.failed ?? 0;
      const pBroken = o.broken ?? 0;
      if (roll < p429) {
        seen.rateLimited++;
        return Response.json({ error: { message: "slow down", type: "rate_limit_error" } }, { status: 429, headers: { "retry-after": "0" } });
      }
      if (roll < p429 + p500) {
        seen.failed++;
        return Response.json({ error: { message: "boom", type: "server_error" } }, { status: 500 });
      }
      let content = localSample(t, job!, "fake", Math.floor(r.next() * 1e9));
      if (roll < p429 + p500 + pBroken) {
        seen.broken++;
        // Half repairable (prose around the object, a trailing comma), half not (cut short).
        content = r.next() < 0.5 ? `Sure! Here it is:\n${content.replace(/}$/, ",}")}\nHope this helps.` : content.slice(0, Math.floor(content.length / 2));
      } else seen.ok++;
      const prompt = (body?.messages ?? []).map((m) => m.content).join("\n");
      const usage = { prompt_tokens: estimate(prompt), completion_tokens: estimate(content) };
      seen.inputTokens += usage.prompt_tokens;
      seen.outputTokens += usage.completion_tokens;
      return Response.json({ id: `chatcmpl-${seen.requests}`, object: "chat.completion", created: 1, model: body?.model ?? "local", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    seen,
    admittedAt,
    stop: () => server.stop(true),
  };
}
