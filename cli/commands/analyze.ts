// `weir analyze`: batch analysis of exported tickets with one agent. JSON lines in, one validated
// JSON line out per input; a bad line gets an error line with its number and the run goes on.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { Progress } from "../progress.ts";
import { AGENTS } from "../../agents/index.ts";
import { SupportMessage } from "../../agents/message.ts";
import { validate } from "../../agents/validator.ts";
import { systemClock } from "../../engine/clock.ts";
import { logger } from "../../engine/log.ts";
import { toWeirError, WeirError } from "../../engine/errors.ts";
import type { LlmClient } from "../../agents/llm/types.ts";

const AGENT_NAMES = ["sentiment", "pii", "insights", "summary"];

const command: Command = {
  name: "analyze",
  summary: "analyse JSON lines from stdin with one agent (offline by default)",
  help: `Usage: weir analyze --agent sentiment|pii|insights|summary [--provider offline|openai|gemini|anthropic] [--redaction mask|hash|tag]

Reads JSON lines {"id": "...", "text": "...", "conversation_id"?: "..."} on stdin and writes one
JSON line per input: {"id", ...the agent's validated output}. Conversation state (sentiment trend,
rolling summary) flows between lines with the same conversation_id.
A bad line produces {"line": N, "error": {...}} and the run continues; the exit code is 0 unless
the command itself fails.

Example:
  echo '{"id":"1","text":"My card 4111 1111 1111 1111 was charged twice"}' | weir analyze --agent pii`,
  async run(argv) {
    const { values } = parse(argv, { agent: { type: "string" }, provider: { type: "string" }, redaction: { type: "string" } });
    const name = values.agent as string | undefined;
    if (!name || !AGENT_NAMES.includes(name)) throw new UsageError(`--agent must be one of ${AGENT_NAMES.join(", ")}`);
    const provider = (values.provider as string | undefined) ?? "offline";
    if (!["offline", "openai", "gemini", "anthropic"].includes(provider)) throw new UsageError(`unknown --provider ${provider}`);
    const redaction = values.redaction as string | undefined;
    if (redaction && !["mask", "hash", "tag"].includes(redaction)) throw new UsageError(`--redaction must be mask, hash or tag`);
    const def = AGENTS[name];
    let llm: LlmClient | undefined;
    if (provider !== "offline") {
      if (!def.llm) throw new WeirError("CONFIG_INVALID", `agent ${name} has no LLM implementation`);
      const mod = (await import("../../agents/llm/index.ts")) as { createLlmClient: (c: Record<string, unknown>) => LlmClient };
      llm = mod.createLlmClient({ provider });
    }
    const log = logger("analyze");
    const states = new Map<string, unknown>();
    const progress = new Progress({ label: `analyze ${name}`, unit: "lines", intervalMs: 5000 });
    let lineNo = 0;
    const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
    const decoder = new TextDecoder();
    let rest = "";
    const handle = async (line: string) => {
      lineNo++;
      if (!line.trim()) return;
      let input: Record<string, unknown>;
      try {
        const raw = JSON.parse(line) as Record<string, unknown>;
        if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("expected a JSON object");
        const conversationId = String(raw.conversation_id ?? raw.conversationId ?? raw.id ?? `line-${lineNo}`);
        input = { id: String(raw.id ?? `line-${lineNo}`), conversationId, tenant: String(raw.tenant ?? "default"), text: raw.text as string };
        const issues = validate(SupportMessage, input);
        if (issues.length) throw new WeirError("VALIDATION_FAILED", issues.map((i) => `${i.path === "/text" ? "text" : i.path}: ${i.message}`).join("; "), { details: { issues } });
      } catch (e) {
        const err = e instanceof WeirError ? e : new WeirError("VALIDATION_FAILED", `line ${lineNo} is not valid JSON: ${(e as Error).message}`);
        out({ line: lineNo, error: { code: err.code, message: err.message } });
        return;
      }
      const key = String(input.conversationId);
      try {
        const impl = provider === "offline" ? def.offline : def.llm!;
        const config = name === "pii" && redaction ? { mode: redaction } : {};
        const r = await impl(input as never, { key, tenant: String(input.tenant), state: (states.get(key) ?? def.initialState()) as never, clock: systemClock, log, llm, attempt: 1, signal: new AbortController().signal }, config as never);
        const issues = validate(def.output, r.output);
        if (issues.length) throw new WeirError("VALIDATION_FAILED", `output failed validation: ${issues[0].path} ${issues[0].message}`);
        if (r.state !== undefined) states.set(key, r.state);
        if (states.size > 100_000) states.delete(states.keys().next().value!);
        out({ id: input.id, ...(r.output as Record<string, unknown>) });
      } catch (e) {
        const err = toWeirError(e, "AGENT_FAILED");
        out({ line: lineNo, id: input.id, error: { code: err.code, message: err.message } });
      }
      progress.tick();
    };
    for await (const chunk of Bun.stdin.stream()) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        await handle(line);
      }
    }
    if (rest.trim()) await handle(rest);
    if (lineNo > 1000) progress.finish();
    return EXIT.OK;
  },
};
export default command;
