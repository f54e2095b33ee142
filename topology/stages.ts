// Splits a topology into its stages. Nodes of one stage are chained in one process; an edge from a
// node in one stage to a node in another crosses a Kafka topic, so each stage runs (and scales) as
// its own consumer group. The crossing carries an envelope — the record plus the agent outputs
// gathered so far — so a downstream stage sees the same inputs it would have seen in-process (the
// summary agent reads the pii agent's redacted text, the aggregator receives the summary).
import { nodesOf } from "./load.ts";
import type { Sink, Topology } from "./schema.ts";

export interface StageEdge {
  /** Node whose output crosses. */
  from: string;
  fromStage: string;
  toStage: string;
  topic: string;
}

export interface StagePlan {
  name: string;
  /** The part of the topology this stage runs: its own nodes, plus a source per inbound edge and a topic sink per outbound one. */
  topology: Topology;
  inbound: StageEdge[];
  outbound: StageEdge[];
}

/** Topic an edge from `node` into `stage` crosses. */
export function crossingTopic(t: Topology, stage: string, node: string): string {
  const st = t.stages?.find((s) => s.name === stage);
  return `${st?.via ?? `${t.name}.${stage}`}.${node}`;
}

/** One plan per stage; a topology without `stages` is one stage that runs everything. */
export function planStages(t: Topology): StagePlan[] {
  if (!t.stages?.length) return [{ name: "main", topology: t, inbound: [], outbound: [] }];
  const stageOf = new Map<string, string>();
  for (const st of t.stages) for (const n of st.nodes) stageOf.set(n, st.name);
  const nodes = nodesOf(t);
  // Unplaced nodes run in the first stage.
  for (const n of nodes) if (!stageOf.has(n.name)) stageOf.set(n.name, t.stages[0].name);

  const edges: StageEdge[] = [];
  for (const n of nodes)
    for (const input of n.inputs) {
      const fromStage = stageOf.get(input)!;
      const toStage = stageOf.get(n.name)!;
      if (fromStage !== toStage && !edges.some((e) => e.from === input && e.toStage === toStage))
        edges.push({ from: input, fromStage, toStage, topic: crossingTopic(t, toStage, input) });
    }

  // Every crossing topic gets the partition count of the sources, and records keep the partition of
  // the source record they came from: a stage that joins a crossing with its own sources (the
  // aggregator) then finds both halves of a message on the same partition number.
  const partitions = Math.max(...t.sources.map((s) => s.partitions ?? 3));
  const baseGroup = t.sources[0].groupId ?? `weir-${t.name}`;
  const keyField = t.sources[0].key;

  return t.stages.map((st) => {
    const mine = (name: string) => stageOf.get(name) === st.name;
    const ownSources = t.sources.filter((s) => mine(s.name));
    // The stage that owns the original sources keeps the topology's group (and so its committed offsets).
    const groupId = ownSources[0]?.groupId ?? (ownSources.length ? baseGroup : `${baseGroup}.${st.name}`);
    const inbound = edges.filter((e) => e.toStage === st.name);
    const outbound = edges.filter((e) => e.fromStage === st.name);
    const sources = [
      ...ownSources.map((s) => ({ ...s, groupId })),
      ...inbound.map((e) => ({ name: e.from, topic: e.topic, serde: "envelope" as const, groupId, ...(keyField ? { key: keyField } : {}), partitions })),
    ];
    const crossingSinks: Sink[] = outbound.map((e) => ({ name: `${e.from}.to.${e.toStage}`, input: e.from, type: "topic", topic: e.topic, format: "envelope" }));
    const topology: Topology = {
      ...t,
      sources,
      operators: (t.operators ?? []).filter((o) => mine(o.name)),
      agents: (t.agents ?? []).filter((a) => mine(a.name)),
      aggregator: t.aggregator && mine(t.aggregator.name) ? t.aggregator : undefined,
      sinks: [...t.sinks.filter((s) => mine(s.name)), ...crossingSinks],
      stages: undefined,
    };
    return { name: st.name, topology, inbound, outbound };
  });
}
