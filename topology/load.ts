// Reads a topology file: YAML → schema validation → semantic checks, reporting every problem at
// once with file, line, column, field path, what was wrong and what was expected.
import { dirname, isAbsolute, resolve } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type Pair } from "yaml";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { ValidationError, type FieldIssue } from "../engine/errors.ts";
import { OPERATOR_SCHEMAS, Topology, durationMs, type Operator, type Topology as TopologyT } from "./schema.ts";
import { piiConfigIssues } from "../agents/pii/config.ts";
import { whereIssues } from "./conditions.ts";

interface Located {
  doc: Document;
  lines: LineCounter;
  file: string;
}

/** Where `module:` paths are resolved from: the topology file's folder (unknown for text or a builder value). */
interface CheckOptions {
  baseDir?: string;
}

function position(loc: Located | undefined, path: Array<string | number>, key = false): { line?: number; column?: number } {
  if (!loc) return {}; // a value built in code has no source positions
  // Walk down as far as the path exists; an unknown key points at its own key, a bad value at the value.
  let node: unknown = loc.doc.contents;
  let at = node as { range?: [number, number, number] | null } | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = (node.items as Pair[]).find((p) => String((p.key as { value?: unknown })?.value ?? p.key) === String(seg));
      if (!pair) break;
      at = (key && i === path.length - 1 ? pair.key : pair.value ?? pair.key) as typeof at;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (!item) break;
      at = item as typeof at;
      node = item;
    } else break;
  }
  const offset = (at as { range?: [number, number, number] | null } | undefined)?.range?.[0];
  if (offset === undefined) return {};
  const p = loc.lines.linePos(offset);
  return { line: p.line, column: p.col };
}

function pointer(path: Array<string | number>): string {
  return "/" + path.map(String).join("/");
}
function splitPointer(p: string): string[] {
  return p.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}
function suggest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let score = Infinity;
  for (const o of options) {
    const s = levenshtein(word.toLowerCase(), o.toLowerCase());
    if (s < score) [best, score] = [o, s];
  }
  return best !== undefined && score <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Describes what a schema accepts, for "expected ..." in messages. */
function expected(schema: TSchema | undefined): string | undefined {
  if (!schema) return undefined;
  if (schema.anyOf) {
    const lits = (schema.anyOf as TSchema[]).filter((s) => s.const !== undefined).map((s) => JSON.stringify(s.const));
    if (lits.length === (schema.anyOf as TSchema[]).length) return `one of ${lits.join(", ")}`;
    if (schema.description) return schema.description;
  }
  if (schema.description) return schema.description;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "integer" || schema.type === "number") {
    const bounds: string[] = [];
    if (schema.minimum !== undefined) bounds.push(`>= ${schema.minimum}`);
    if (schema.maximum !== undefined) bounds.push(`<= ${schema.maximum}`);
    return [schema.type, bounds.join(" and ")].filter(Boolean).join(" ");
  }
  if (schema.type === "string" && schema.pattern) return `a string matching ${schema.pattern}`;
  if (schema.type) return String(schema.type);
  return undefined;
}

function schemaIssues(schema: TSchema, value: unknown, base: Array<string | number>, loc: Located | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    const rel = splitPointer(e.path);
    const path = [...base, ...rel];
    const ptr = pointer(path);
    if (seen.has(ptr)) continue; // one message per field: the first is the most specific
    seen.add(ptr);
    if (e.message.startsWith("Unexpected property")) {
      const parentSchema = rel.slice(0, -1).reduce<TSchema | undefined>((s, seg) => (s?.properties?.[seg] as TSchema) ?? (s?.items as TSchema) ?? undefined, schema);
      const options = Object.keys(parentSchema?.properties ?? {});
      const name = String(path[path.length - 1]);
      const hint = suggest(name, options);
      issues.push({ path: ptr, message: `unknown field "${name}"${hint ? ` (did you mean "${hint}"?)` : ""}`, expected: options.length ? `one of ${options.join(", ")}` : undefined, ...position(loc, path, true) });
      continue;
    }
    const got = e.value === undefined ? "nothing" : JSON.stringify(e.value);
    const msg = e.message.startsWith("Expected required property")
      ? "required field is missing"
      : `${e.message
          .replace(/^Expected (integer|number|string|array) to (be|have|match) /, "must $2 ")
          .replace(/^Expected union value$/, "is not an allowed value")
          .replace(/^Expected /, "must be ")}, got ${got}`;
    issues.push({ path: ptr, message: msg, expected: expected(e.schema), ...position(loc, path) });
  }
  return issues;
}

/** Parses and validates topology text; throws one ValidationError listing every problem. */
export function parseTopology(text: string, file = "<topology>", opts: CheckOptions = {}): TopologyT {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const loc: Located = { doc, lines, file };
  const issues: FieldIssue[] = [];
  for (const e of doc.errors) {
    const p = lines.linePos(e.pos[0]);
    issues.push({ path: "/", message: `YAML syntax: ${e.message.split("\n")[0]}`, file, line: p.line, column: p.col });
  }
  if (issues.length) throw new ValidationError("TOPOLOGY_INVALID", `${file}: invalid YAML`, issues);
  return checkTopology(doc.toJS(), file, loc, opts);
}

/**
 * Validates a topology value built in code (topology/builder.ts) with the same rules as a file,
 * and fills the same defaults, so both routes give identical values. Issues carry no line/column.
 */
export function validateTopology(value: unknown, source = "<builder>", opts: CheckOptions = {}): TopologyT {
  return checkTopology(value, source, undefined, opts);
}

function checkTopology(input: unknown, file: string, loc: Located | undefined, opts: CheckOptions = {}): TopologyT {
  const issues: FieldIssue[] = [];
  const value = input as Record<string, unknown>;
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new ValidationError("TOPOLOGY_INVALID", `${file}: not a topology`, [{ path: "/", message: "the file must be a YAML mapping", expected: "name, version, sources, sinks, ...", file, line: 1, column: 1 }]);
  }
  issues.push(...schemaIssues(Topology, value, [], loc));
  // Operators are checked against the schema of their own type, so errors name the right fields.
  const ops = Array.isArray(value.operators) ? (value.operators as Array<Record<string, unknown>>) : [];
  ops.forEach((op, i) => {
    const type = op && typeof op === "object" ? String(op.type) : "";
    const schema = OPERATOR_SCHEMAS[type];
    if (!schema) {
      const hint = suggest(type, Object.keys(OPERATOR_SCHEMAS));
      issues.push({ path: `/operators/${i}/type`, message: `unknown operator type ${JSON.stringify(op?.type)}${hint ? ` (did you mean "${hint}"?)` : ""}`, expected: `one of ${Object.keys(OPERATOR_SCHEMAS).join(", ")}`, ...position(loc, ["operators", i, "type"]) });
    } else if (type === "filter" && op.where !== undefined) {
      // `where` is a union: the schema alone would say only "is not an allowed value" for the
      // whole object, so its conditions are checked one by one (operators listed, patterns compiled).
      const { where, ...rest } = op;
      issues.push(...schemaIssues(schema, rest, ["operators", i], loc));
      for (const w of whereIssues(where, ["operators", i, "where"])) issues.push({ path: pointer(w.path), message: w.message, expected: w.expected, ...position(loc, w.path) });
    } else issues.push(...schemaIssues(schema, op, ["operators", i], loc));
    // A `module:` file that is not there would fail only when the pipeline starts.
    if (op && typeof op === "object" && typeof op.module === "string" && opts.baseDir !== undefined) {
      const path = op.module.split("#")[0];
      const abs = isAbsolute(path) ? path : resolve(opts.baseDir, path);
      if (path && !existsSync(abs)) issues.push({ path: pointer(["operators", i, "module"]), message: `module file ${abs} does not exist`, expected: "a path relative to the topology file, then #exportName", ...position(loc, ["operators", i, "module"]) });
    }
  });
  // Graph rules run even when fields are wrong, so one pass reports everything it can.
  try {
    issues.push(...semanticIssues(value as unknown as TopologyT, loc));
  } catch {
    /* the structure is too broken for graph checks; the schema issues already say why */
  }
  if (issues.length) {
    for (const i of issues) i.file = file;
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ValidationError("TOPOLOGY_INVALID", `${file}: ${issues.length} problem${issues.length > 1 ? "s" : ""}`, issues);
  }
  return Value.Default(Topology, value) as TopologyT;
}

export interface GraphNode {
  name: string;
  kind: "source" | "operator" | "agent" | "aggregator" | "sink";
  inputs: string[];
  path: Array<string | number>;
}

/** Every node of a topology with its inputs, in file order. */
export function nodesOf(t: TopologyT): GraphNode[] {
  const out: GraphNode[] = [];
  (t.sources ?? []).forEach((s, i) => out.push({ name: s.name, kind: "source", inputs: [], path: ["sources", i] }));
  (t.operators ?? []).forEach((o, i) => out.push({ name: o.name, kind: "operator", inputs: [o.input], path: ["operators", i] }));
  (t.agents ?? []).forEach((a, i) => out.push({ name: a.name, kind: "agent", inputs: [a.input], path: ["agents", i] }));
  if (t.aggregator) out.push({ name: t.aggregator.name, kind: "aggregator", inputs: t.aggregator.inputs, path: ["aggregator"] });
  (t.sinks ?? []).forEach((s, i) => out.push({ name: s.name, kind: "sink", inputs: [s.input], path: ["sinks", i] }));
  return out;
}

function semanticIssues(t: TopologyT, loc: Located | undefined): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: Array<string | number>, message: string, expectedText?: string) => issues.push({ path: pointer(path), message, expected: expectedText, ...position(loc, path) });
  const nodes = nodesOf(t);
  const byName = new Map<string, GraphNode>();
  for (const n of nodes) {
    if (byName.has(n.name)) add([...n.path, "name"], `duplicate node name "${n.name}"`, "names unique across sources, operators, agents, aggregator and sinks");
    else byName.set(n.name, n);
  }
  const names = [...byName.keys()];
  for (const n of nodes) {
    n.inputs.forEach((input, k) => {
      const field = n.kind === "aggregator" ? [...n.path, "inputs", k] : [...n.path, "input"];
      const target = byName.get(input);
      if (!target) {
        const hint = suggest(input, names);
        add(field, `"${input}" is not a node of this topology${hint ? ` (did you mean "${hint}"?)` : ""}`, "the name of a source, operator, agent or aggregator");
      } else if (target.kind === "sink") add(field, `"${input}" is a sink; sinks have no output`, "a source, operator, agent or aggregator");
      else if (n.kind === "aggregator" && target.kind !== "agent") add(field, `aggregator input "${input}" is a ${target.kind}`, "an agent");
    });
  }
  // Cycles: depth-first search over inputs.
  const state = new Map<string, 1 | 2>();
  const visit = (name: string, trail: string[]): void => {
    const n = byName.get(name);
    if (!n || state.get(name) === 2) return;
    if (state.get(name) === 1) {
      add([...n.path, n.kind === "aggregator" ? "inputs" : "input"], `cycle: ${[...trail.slice(trail.indexOf(name)), name].join(" → ")}`, "an acyclic graph");
      return;
    }
    state.set(name, 1);
    for (const i of n.inputs) visit(i, [...trail, name]);
    state.set(name, 2);
  };
  for (const n of nodes) visit(n.name, []);
  (t.operators ?? []).forEach((o: Operator, i) => {
    if (o.type === "window") {
      const size = durationMs(o.size, 0);
      if (size <= 0) add(["operators", i, "size"], "window size must be greater than zero", "a positive duration");
      if (o.kind === "hopping") {
        if (o.advance === undefined) add(["operators", i], "a hopping window needs `advance`", "advance: a duration <= size");
        else if (durationMs(o.advance, 0) <= 0 || durationMs(o.advance, 0) > size) add(["operators", i, "advance"], `advance must be > 0 and <= size (${size} ms)`, "0 < advance <= size");
      }
    }
    if (o.type === "groupBy" && !o.field && !o.module) add(["operators", i], `groupBy "${o.name}" needs the new key`, "field (a record field) or module");
    if (o.type === "flatMap" && !o.split && !o.module) add(["operators", i], `flatMap "${o.name}" does nothing`, "split or module");
    if (o.type === "join") {
      const table = (t.operators ?? []).find((x: Operator) => x.name === o.table);
      if (!table || table.type !== "table") add(["operators", i, "table"], `"${o.table}" is not a table operator of this topology`, "the name of an operator with type: table");
    }
    if ((o.type === "filter" && !o.where && !o.module) || (o.type === "map" && !o.set && !o.pick && !o.rename && !o.module)) {
      add(["operators", i], `${o.type} "${o.name}" does nothing`, o.type === "filter" ? "where or module" : "set, pick, rename or module");
    }
  });
  // The pii agent's config decides what leaves the pipeline in clear, so it is checked at load, not on the first message.
  (t.agents ?? []).forEach((a, i) => {
    if (a.agent === "pii") for (const issue of piiConfigIssues(a.config)) add(["agents", i, "config", ...issue.path.split("/").filter(Boolean)], `pii config: ${issue.message}`, "the pii config in docs/topology.md");
  });
  const bp = t.backpressure;
  if (bp && bp.lowWatermark >= bp.highWatermark) add(["backpressure", "lowWatermark"], `lowWatermark (${bp.lowWatermark}) must be below highWatermark (${bp.highWatermark})`, "lowWatermark < highWatermark");
  const agg = t.aggregator;
  if (agg?.quorum !== undefined && agg.quorum > agg.inputs.length) add(["aggregator", "quorum"], `quorum ${agg.quorum} exceeds the ${agg.inputs.length} inputs`, `an integer from 1 to ${agg.inputs.length}`);
  (t.sinks ?? []).forEach((s, i) => {
    if (s.type === "topic" && !s.topic) add(["sinks", i], `topic sink "${s.name}" needs \`topic\``, "topic: a Kafka topic name");
    if (s.type === "webhook" && !s.url) add(["sinks", i], `webhook sink "${s.name}" needs \`url\``, "url");
  });
  const placed = new Map<string, string>();
  (t.stages ?? []).forEach((st, i) =>
    st.nodes.forEach((n, k) => {
      if (!byName.has(n)) add(["stages", i, "nodes", k], `"${n}" is not a node of this topology`, "a node name");
      else if (placed.has(n)) add(["stages", i, "nodes", k], `"${n}" is already placed in stage "${placed.get(n)}"`, "each node in at most one stage");
      else placed.set(n, st.name);
    }),
  );
  if (t.stages?.length) {
    // Unplaced nodes run in the first stage (topology/stages.ts). The aggregator's join state lives
    // in its process, so what reads the aggregator must run there too.
    const stageOf = (n: string) => placed.get(n) ?? t.stages![0].name;
    nodes.forEach((n) => {
      n.inputs.forEach((input) => {
        const from = byName.get(input);
        if (from?.kind === "aggregator" && stageOf(input) !== stageOf(n.name)) add([...n.path, "input"], `"${n.name}" reads the aggregator "${input}" from another stage`, `"${n.name}" in stage "${stageOf(input)}"`);
      });
    });
  }
  (t.sinks ?? []).forEach((s, i) => {
    if (s.format === "envelope" && s.type !== "topic") add(["sinks", i, "format"], `format: envelope is for topic sinks, not ${s.type}`, "format: value (or type: topic)");
  });
  return issues;
}

/** Reads and validates a topology file; a missing or unreadable file is a ValidationError saying so plainly. */
export function loadTopology(path: string): TopologyT {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? `no such file (looked for ${resolve(path)})` : code === "EISDIR" ? "is a directory, not a topology file" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new ValidationError("TOPOLOGY_INVALID", `cannot read ${path}`, [{ path: "/", message: `cannot read the topology file: ${why}`, expected: "a YAML topology file, e.g. topology/support.yaml", file: path }]);
  }
  const baseDir = dirname(resolve(path));
  return { ...parseTopology(text, path, { baseDir }), baseDir };
}
