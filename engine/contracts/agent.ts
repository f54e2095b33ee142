// The agent contract: an agent is a definition, not a process (XState-style logic object). It lives
// in the engine because the engine runs agents — one actor per key (conversation id by default),
// owning its mailbox, persisting `state` through a changelog topic, and calling the agent one
// message at a time per key — while the definitions themselves live above, in agents/.
import type { TSchema, Static } from "@sinclair/typebox";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { LlmClient } from "./llm.ts";

export type Implementation = "offline" | "llm";

export interface AgentContext<S> {
  /** The actor key (conversation id unless the topology keys otherwise). */
  key: string;
  tenant: string;
  /** This actor's current state; return a new one in the result to change it. */
  state: S;
  clock: Clock;
  log: Logger;
  /** Present when the topology chose the llm implementation for this agent. */
  llm?: LlmClient;
  /** 1 on the first try; the runtime retries with backoff on retriable errors. */
  attempt: number;
  signal: AbortSignal;
  /** W3C traceparent of the record being processed, if any. */
  traceparent?: string;
  /** Outputs of the agents upstream of this one on the same record (the validator reads them). */
  upstream?: Record<string, unknown>;
}

export interface AgentResult<O, S> {
  output: O;
  /** The new actor state; omit to keep the current one. */
  state?: S;
  /**
   * The record as every node downstream of this agent sees it: its child agents, the aggregator's
   * result (`message`), and every sink and stage crossing fed from here. A redaction step returns
   * the redacted record, so nothing after it can see the original. Omit to pass the record on unchanged.
   */
  record?: Record<string, unknown>;
}

export interface PromptTemplate {
  /** Bumped whenever the wording changes, and recorded with every LLM call. */
  id: string;
  version: number;
  system: string;
  /** Renders the user prompt from the (already redacted) input and state. */
  render(input: unknown, state: unknown): string;
}

export type AgentFn<I, O, S, C> = (input: I, ctx: AgentContext<S>, config: C) => Promise<AgentResult<O, S>> | AgentResult<O, S>;

export interface AgentDefinition<IS extends TSchema = TSchema, OS extends TSchema = TSchema, SS extends TSchema = TSchema, C = Record<string, unknown>> {
  name: string;
  description: string;
  input: IS;
  output: OS;
  state: SS;
  initialState(): Static<SS>;
  prompt?: PromptTemplate;
  offline: AgentFn<Static<IS>, Static<OS>, Static<SS>, C>;
  llm?: AgentFn<Static<IS>, Static<OS>, Static<SS>, C>;
}

/** Helps TypeScript infer the generic parameters of a definition. */
export function defineAgent<IS extends TSchema, OS extends TSchema, SS extends TSchema, C = Record<string, unknown>>(
  def: AgentDefinition<IS, OS, SS, C>,
): AgentDefinition<IS, OS, SS, C> {
  return def;
}
