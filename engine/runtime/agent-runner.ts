// One agent of a topology at run time: its actors (one mailbox per key), its changelogged state
// store, and one call of the agent for one record — with the agent's timeout, retries with backoff,
// output validation and the state it returns. Which records it gets, and where its output goes,
// is the pipeline's wiring.
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import type { TSchema } from "@sinclair/typebox";
import type { Clock } from "../clock.ts";
import { WeirError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Producer, Transport } from "../kafka/types.ts";
import type { AgentDefinition } from "../contracts/agent.ts";
import type { LlmClient } from "../contracts/llm.ts";
import type { Agent as AgentSpec } from "../../topology/schema.ts";
import { ActorSystem } from "../actors/actor-system.ts";
import { StateStore } from "../state/state-store.ts";
import { SpanKind, tracingActive, withSpan } from "../observability/tracing.ts";
import type { Envelope } from "./envelope.ts";
import { DEFAULT_RETRY, withRetry } from "./retry.ts";
import { meters } from "./meters.ts";
import { traceparentOf } from "./sink-writer.ts";
import { scalarKey } from "../operators/field.ts";

export interface AgentOutcome {
  output: unknown;
  /** The record as the agent passes it on, when it rewrites it (a redaction step). */
  record?: Record<string, unknown>;
}

export class AgentRunner {
  readonly actors: ActorSystem;
  readonly store: StateStore;
  /** Messages this agent holds now (mailbox and running). */
  inFlight = 0;
  /** Messages it may hold before intake stops, and where intake resumes. */
  readonly maxInFlight: number;
  readonly resumeAt: number;
  private readonly check: TypeCheck<TSchema>;
  private readonly latency: ReturnType<typeof meters.latency.bind>;
  private llmClient: LlmClient | undefined | null = null;

  constructor(
    readonly spec: AgentSpec,
    readonly def: AgentDefinition,
    private readonly o: { changelog: string; transport: Transport; producer: () => Producer; clock: Clock; log: Logger; llm?: LlmClient; high: number; low: number },
  ) {
    this.actors = new ActorSystem({ concurrency: spec.concurrency ?? 16 });
    this.store = new StateStore(o.changelog, o.transport, o.producer);
    this.check = TypeCompiler.Compile(def.output);
    this.maxInFlight = spec.maxInFlight ?? o.high;
    this.resumeAt = Math.floor((this.maxInFlight * o.low) / o.high);
    this.latency = meters.latency.bind({ agent: spec.name });
  }

  /** The actor key of a record: the agent's `keyBy` field, else the record's key. */
  keyOf(env: Envelope): string {
    return (this.spec.keyBy ? scalarKey(env.value[this.spec.keyBy]) : undefined) ?? env.key;
  }

  /** Runs the agent on one record in its key's mailbox, in order with the key's other records. */
  run(env: Envelope, messageId: string | undefined): Promise<AgentOutcome> {
    const key = this.keyOf(env);
    const call = () => this.invoke(key, env);
    const { spec } = this;
    return this.actors.tell(
      key,
      tracingActive()
        ? () => withSpan(`agent ${spec.name}`, { "weir.agent": spec.name, "weir.agent.kind": spec.agent, "weir.message_id": String(messageId ?? ""), "messaging.kafka.partition": env.partition }, call, traceparentOf(env), SpanKind.CONSUMER)
        : call,
    );
  }

  private async invoke(key: string, env: Envelope): Promise<AgentOutcome> {
    const { spec, def } = this;
    const stop = this.latency.startTimer();
    const policy = { ...DEFAULT_RETRY, ...spec.retry };
    const impl = spec.implementation === "llm" && def.llm ? def.llm : def.offline;
    // The record as the nodes upstream left it: after a redaction step, the redacted one.
    const input = env.value;
    try {
      return await withRetry(
        async (attempt) => {
          const state = this.store.get(env.partition, key) ?? def.initialState();
          // Made only for agents that read their signal (LLM calls); offline agents never do.
          let ac: AbortController | undefined;
          const signal = () => (ac ??= new AbortController()).signal;
          const timeout = spec.timeoutMs ?? 30_000;
          let timer: unknown;
          const result = await Promise.race([
            Promise.resolve(impl(input as never, this.context(key, env, state, attempt, signal), (spec.config ?? {}) as never)),
            new Promise<never>((_, reject) => {
              timer = this.o.clock.setTimeout(() => {
                ac?.abort();
                reject(new WeirError("AGENT_TIMEOUT", `agent ${spec.name} took longer than ${timeout} ms`, { retriable: true }));
              }, timeout);
            }),
          ]).finally(() => this.o.clock.clearTimeout(timer));
          if (!this.check.Check(result.output)) {
            const first = [...this.check.Errors(result.output)][0];
            throw new WeirError("VALIDATION_FAILED", `agent ${spec.name} output does not match its schema: ${first?.path} ${first?.message}`);
          }
          if (result.record !== undefined && (typeof result.record !== "object" || result.record === null || Array.isArray(result.record))) throw new WeirError("VALIDATION_FAILED", `agent ${spec.name} returned a record that is not an object`);
          if (result.state !== undefined) this.store.put(env.partition, key, result.state);
          return { output: result.output, record: result.record };
        },
        policy,
        this.o.clock,
        (err, attempt, delay) => {
          meters.retries.inc({ agent: spec.name });
          this.o.log.info("agent retry", { agent: spec.name, attempt, delayMs: delay, code: err.code });
        },
      );
    } finally {
      stop();
    }
  }

  /** The LLM client: the gateway, preferring the `provider` and `config.model` the topology gives the agent. */
  private llm(): LlmClient | undefined {
    if (this.llmClient !== null) return this.llmClient;
    const llm = this.o.llm;
    const { spec } = this;
    const model = typeof spec.config?.model === "string" ? spec.config.model : undefined;
    this.llmClient = !llm || (!spec.provider && !model) ? llm : { complete: (req) => llm.complete({ ...req, provider: spec.provider, model }) };
    return this.llmClient;
  }

  /** What an agent sees besides its input; the logger is made on first use (most calls never log). */
  private context(key: string, env: Envelope, state: unknown, attempt: number, signal: () => AbortSignal) {
    const traceparent = traceparentOf(env);
    const log = this.o.log;
    const name = this.spec.name;
    let child: Logger | undefined;
    return {
      key,
      tenant: String(env.value.tenant ?? "default"),
      state: state as never,
      clock: this.o.clock,
      get log() {
        return (child ??= log.child({ agent: name, messageId: env.value.id, traceId: traceparent?.split("-")[1] }));
      },
      llm: this.llm(),
      attempt,
      get signal() {
        return signal();
      },
      upstream: env.outputs,
      traceparent,
    };
  }
}
