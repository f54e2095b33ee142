// A typed builder for topologies, in the style of the Kafka Streams DSL: start from a source,
// chain operators and agents on the returned node handles, and `build()` the same `Topology`
// value a YAML file loads to (validated by the same rules, with the same defaults).
import type { Static, TSchema } from "@sinclair/typebox";
import type { Aggregator, Agent, Sink, Source, Stage, Topology as TopologySchema, FilterOp, MapOp, DedupeOp, WindowOp, KeyByOp } from "./schema.ts";
import type { Operator, Topology } from "./schema.ts";
import { validateTopology } from "./load.ts";

type SourceSpec = Omit<Static<typeof Source>, "name">;
type AgentSpec = Omit<Static<typeof Agent>, "name" | "input">;
type SinkSpec = Omit<Static<typeof Sink>, "name" | "input">;
type AggregatorSpec = Omit<Static<typeof Aggregator>, "name" | "inputs">;
type Spec<S extends TSchema> = Omit<Static<S>, "name" | "input" | "type">;
type TopLevel = Static<typeof TopologySchema>;

/** A node of the graph under construction; methods add a downstream node fed by this one. */
export class NodeRef {
  constructor(
    private readonly b: TopologyBuilder,
    readonly name: string,
  ) {}

  filter(name: string, spec: Spec<typeof FilterOp>): NodeRef {
    return this.b.addOperator({ name, input: this.name, type: "filter", ...spec });
  }
  map(name: string, spec: Spec<typeof MapOp>): NodeRef {
    return this.b.addOperator({ name, input: this.name, type: "map", ...spec });
  }
  keyBy(name: string, field: string): NodeRef {
    return this.b.addOperator({ name, input: this.name, type: "keyBy", field } satisfies Static<typeof KeyByOp>);
  }
  dedupe(name: string, spec: Spec<typeof DedupeOp>): NodeRef {
    return this.b.addOperator({ name, input: this.name, type: "dedupe", ...spec });
  }
  window(name: string, spec: Spec<typeof WindowOp>): NodeRef {
    return this.b.addOperator({ name, input: this.name, type: "window", ...spec });
  }
  /** An actor-style agent from the registry (topology/known-agents.ts), one actor per key. */
  agent(name: string, spec: AgentSpec): NodeRef {
    return this.b.addAgent({ name, input: this.name, ...spec });
  }
  /** A terminal sink; returns this node so several sinks can hang off it. */
  to(name: string, spec: SinkSpec): NodeRef {
    this.b.addSink({ name, input: this.name, ...spec });
    return this;
  }
}

/**
 * @example
 * const t = topology("passthrough");
 * t.source("in", { topic: "bench.in" }).map("tag", { set: { seen: true } }).to("out", { type: "topic", topic: "bench.out" });
 * const value = t.build(); // equal to loading the same pipeline from YAML
 */
export class TopologyBuilder {
  private readonly sources: TopLevel["sources"] = [];
  private readonly operators: Operator[] = [];
  private readonly agents: NonNullable<TopLevel["agents"]> = [];
  private readonly sinks: TopLevel["sinks"] = [];
  private readonly stages: Array<Static<typeof Stage>> = [];
  private aggregatorSpec?: Static<typeof Aggregator>;
  private extra: Partial<Pick<TopLevel, "description" | "deadLetter" | "delivery" | "backpressure">> = {};

  constructor(private readonly name: string) {}

  source(name: string, spec: SourceSpec): NodeRef {
    this.sources.push({ name, ...spec });
    return new NodeRef(this, name);
  }
  /** Joins the outputs of several agents per record (`by`), with a deadline and quorum. */
  aggregate(name: string, inputs: Array<NodeRef | string>, spec: AggregatorSpec = {}): NodeRef {
    this.aggregatorSpec = { name, inputs: inputs.map((i) => (typeof i === "string" ? i : i.name)), ...spec };
    return new NodeRef(this, name);
  }
  /** Places nodes in one process; edges into it from another stage cross the topic `via`. */
  stage(name: string, nodes: Array<NodeRef | string>, via?: string): this {
    this.stages.push({ name, nodes: nodes.map((n) => (typeof n === "string" ? n : n.name)), ...(via !== undefined ? { via } : {}) });
    return this;
  }
  /** Returns a handle to an existing node by name, e.g. to attach a sink declared elsewhere. */
  node(name: string): NodeRef {
    return new NodeRef(this, name);
  }
  description(text: string): this {
    this.extra.description = text;
    return this;
  }
  deadLetter(topic: string): this {
    this.extra.deadLetter = { topic };
    return this;
  }
  delivery(mode: NonNullable<TopLevel["delivery"]>): this {
    this.extra.delivery = mode;
    return this;
  }
  backpressure(highWatermark: number, lowWatermark: number): this {
    this.extra.backpressure = { highWatermark, lowWatermark };
    return this;
  }

  /** @internal used by NodeRef */
  addOperator(op: Operator): NodeRef {
    this.operators.push(op);
    return new NodeRef(this, op.name);
  }
  /** @internal used by NodeRef */
  addAgent(a: Agent): NodeRef {
    this.agents.push(a);
    return new NodeRef(this, a.name);
  }
  /** @internal used by NodeRef */
  addSink(s: Sink): void {
    this.sinks.push(s);
  }

  /** The plain topology value; throws ValidationError("TOPOLOGY_INVALID") listing every problem. */
  build(): Topology {
    // Same key order as a YAML file and no empty sections, so values compare equal to loaded files.
    const value: Record<string, unknown> = { name: this.name, version: 1 };
    if (this.extra.description !== undefined) value.description = this.extra.description;
    value.sources = structuredClone(this.sources);
    if (this.operators.length) value.operators = structuredClone(this.operators);
    if (this.agents.length) value.agents = structuredClone(this.agents);
    if (this.aggregatorSpec) value.aggregator = structuredClone(this.aggregatorSpec);
    value.sinks = structuredClone(this.sinks);
    if (this.extra.deadLetter) value.deadLetter = { ...this.extra.deadLetter };
    if (this.extra.delivery) value.delivery = this.extra.delivery;
    if (this.extra.backpressure) value.backpressure = { ...this.extra.backpressure };
    if (this.stages.length) value.stages = structuredClone(this.stages);
    return validateTopology(value, `<builder ${this.name}>`);
  }
}

/** Starts a topology named `name` (version 1 of the file format). */
export function topology(name: string): TopologyBuilder {
  return new TopologyBuilder(name);
}
