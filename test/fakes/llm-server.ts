// A local HTTP server that speaks the wire format of OpenAI, Anthropic or Gemini, for adapter tests
// (the real providers cannot be reached from here). It records every request and plays back a
// scripted list of behaviours: success, 429 with Retry-After, 500, a hang (client timeout),
// malformed JSON in the model's answer, or a 200 whose body is not JSON at all (a broken proxy).

export type Behaviour = { kind: "ok"; json: unknown } | { kind: "429"; retryAfterS: number } | { kind: "500" } | { kind: "hang" } | { kind: "malformed"; text: string } | { kind: "garbage-body" };

export interface Recorded {
  path: string;
  headers: Record<string, string>;
  body: any;
}

export function fakeLlmServer(wire: "openai" | "anthropic" | "gemini", script: Behaviour[]) {
  const requests: Recorded[] = [];
  let i = 0;
  const hanging: Array<() => void> = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const body = await req.json().catch(() => null);
      requests.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body });
      const b = script[Math.min(i++, script.length - 1)];
      if (b.kind === "429") return Response.json({ error: { message: "rate limited", type: "rate_limit_error" } }, { status: 429, headers: { "retry-after": String(b.retryAfterS) } });
      if (b.kind === "500") return Response.json({ error: { message: "boom", type: "server_error" } }, { status: 500 });
      if (b.kind === "garbage-body") return new Response('{"id":"msg_1","content":[{"type":', { status: 200, headers: { "content-type": "application/json" } });
      if (b.kind === "hang") return new Promise<Response>((r) => hanging.push(() => r(new Response("late", { status: 500 }))));
      const text = b.kind === "ok" ? JSON.stringify(b.json) : b.text;
      if (wire === "openai")
        return Response.json({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: body?.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 } });
      if (wire === "anthropic") {
        const content = b.kind === "ok" ? [{ type: "tool_use", id: "toolu_1", name: body?.tool_choice?.name, input: b.json }] : [{ type: "text", text }];
        return Response.json({ id: "msg_1", type: "message", role: "assistant", model: body?.model, content, stop_reason: b.kind === "ok" ? "tool_use" : "end_turn", stop_sequence: null, usage: { input_tokens: 100, output_tokens: 20 } });
      }
      return Response.json({ candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 90, candidatesTokenCount: 25, totalTokenCount: 115 } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    stop() {
      hanging.forEach((h) => h());
      server.stop(true);
    },
  };
}
