// What a caller asks for (POST /v1/jobs and /v1/jobs/estimate), and the job the generator runs:
// the request checked against its template (known id and version, required variables present, no
// unknown ones, a usable output schema) and completed with the template's defaults. The resolved
// job travels in the job's first task record and lives in the generator's state from then on.
import { Type, type Static } from "@sinclair/typebox";
import type { FieldIssue } from "../../engine/errors.ts";
import { toTypeBox } from "./output-schema.ts";
import type { Sentiment, TemplateCatalog } from "./templates.ts";

const Text = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, description });
export const SentimentTarget = Type.Union([Type.Literal("positive"), Type.Literal("neutral"), Type.Literal("negative")], { description: "the sentiment every sample must carry (checked by weir's sentiment agent)" });

export const JobRequest = Type.Object(
  {
    template: Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9][a-z0-9-]*$", rule: "a template id: lower-case letters, digits and -", description: "template id (GET /v1/templates)" }),
    templateVersion: Type.Optional(Type.Integer({ minimum: 1, description: "template version; default the latest" })),
    variables: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Text(2000, "a variable's value"), { maxProperties: 30 })),
    count: Type.Integer({ minimum: 1, maximum: 10_000, description: "accepted samples wanted" }),
    schema: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "JSON schema every sample must match (default: the template's)" })),
    tone: Type.Optional(Text(60, "free-text tone, e.g. friendly, formal")),
    sentiment: Type.Optional(SentimentTarget),
    examples: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 10, description: "few-shot examples, shown to the model" })),
    priority: Type.Optional(Type.Union([Type.Literal("low"), Type.Literal("normal"), Type.Literal("high")], { description: "routing: high prefers larger models" })),
    maxCostUsd: Type.Optional(Type.Number({ minimum: 0, description: "cost ceiling: the job stops (failed, reason given) when reached" })),
    bannedTerms: Type.Optional(Type.Array(Text(100, "a banned word or phrase"), { maxItems: 200 })),
    language: Type.Optional(Type.Literal("en", { description: "language samples must be in (en is the one checked today)" })),
    minLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    augment: Type.Optional(Type.Object({ counterfactual: Type.Optional(Type.Boolean({ description: "add gender-swapped variants, labelled" })) }, { additionalProperties: false })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: "candidates generated per step (default 10)" })),
    maxReasks: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, description: "re-asks of a model whose answer fails the schema (default 1)" })),
  },
  { additionalProperties: false },
);
export type JobRequest = Static<typeof JobRequest>;

/** A request resolved against its template: everything the generator needs, JSON only. */
export interface ResolvedJob {
  template: string;
  templateVersion: number;
  variables: Record<string, string>;
  count: number;
  output: Record<string, unknown>;
  tone?: string;
  sentiment?: Sentiment;
  examples: Array<Record<string, unknown>>;
  priority: "low" | "normal" | "high";
  maxCostUsd?: number;
  bannedTerms: string[];
  language: "en";
  minLength: number;
  maxLength: number;
  counterfactual: boolean;
  batchSize: number;
  maxReasks: number;
  /** Candidates the job may generate before it gives up (a ceiling against a filter that rejects everything). */
  maxAttempts: number;
}

/** Checks a (schema-valid) request against the catalogue; issues name the field and the reason. */
export function resolveJob(req: JobRequest, catalog: TemplateCatalog): { job?: ResolvedJob; issues: FieldIssue[] } {
  const t = catalog.get(req.template, req.templateVersion);
  if (!t) {
    const versions = catalog.list().filter((x) => x.id === req.template).map((x) => x.version);
    const path = versions.length ? "/templateVersion" : "/template";
    const known = versions.length ? `versions: ${versions.join(", ")}` : `templates: ${catalog.list().map((x) => x.id).filter((v, i, a) => a.indexOf(v) === i).join(", ")}`;
    return { issues: [{ path, message: `is not a known template (${known})` }] };
  }
  const issues: FieldIssue[] = [];
  const vars: Record<string, string> = {};
  for (const [name, v] of Object.entries(t.variables)) {
    const given = req.variables?.[name];
    if (given !== undefined) vars[name] = given;
    else if (v.default !== undefined) vars[name] = v.default;
    else if (v.required) issues.push({ path: `/variables/${name}`, message: `is required by template ${t.id} v${t.version} (${v.description})` });
  }
  for (const name of Object.keys(req.variables ?? {})) if (!(name in t.variables)) issues.push({ path: `/variables/${name}`, message: `is not a variable of template ${t.id} v${t.version} (${Object.keys(t.variables).join(", ")})` });
  if (req.schema) issues.push(...toTypeBox(req.schema).issues);
  const minLength = req.minLength ?? t.quality.minLength;
  const maxLength = req.maxLength ?? t.quality.maxLength;
  if (minLength > maxLength) issues.push({ path: "/minLength", message: `must not exceed maxLength (${maxLength})` });
  if (issues.length) return { issues };
  return {
    issues,
    job: {
      template: t.id,
      templateVersion: t.version,
      variables: vars,
      count: req.count,
      output: req.schema ?? t.output,
      ...(req.tone ? { tone: req.tone } : {}),
      ...(req.sentiment ? { sentiment: req.sentiment } : {}),
      examples: req.examples ?? [],
      priority: req.priority ?? "normal",
      ...(req.maxCostUsd !== undefined ? { maxCostUsd: req.maxCostUsd } : {}),
      bannedTerms: req.bannedTerms ?? [],
      language: "en",
      minLength,
      maxLength,
      counterfactual: req.augment?.counterfactual ?? false,
      batchSize: req.batchSize ?? 10,
      maxReasks: req.maxReasks ?? 1,
      maxAttempts: req.count * 5 + 50,
    },
  };
}

/** A record of the `generation.tasks` topic: start a job (with it), generate its next batch, or cancel it. Keyed by job id. */
export interface GenerationTask {
  /** The job id: the record key, so every task of a job lands on one partition and one actor. */
  id: string;
  jobId: string;
  tenant: string;
  kind: "start" | "batch" | "cancel" | "done";
  batch: number;
  job?: ResolvedJob;
}
