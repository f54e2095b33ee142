// Versioned prompt templates: YAML files under templates/ (`<id>.v<version>.yaml`), rendered with
// Handlebars. A template carries its prompt, the variables it takes, the output schema samples must
// match, the field the quality filter reads, and the phrase banks the local (offline) generator
// combines. The catalogue is read once; every sample records the template id and version it came from.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { parse } from "yaml";
import type { TSchema } from "@sinclair/typebox";
import { WeirError } from "../../engine/errors.ts";
import type { Rng } from "./random.ts";
import { toTypeBox } from "./output-schema.ts";

export const TEMPLATES_DIR = join(import.meta.dir, "../../templates");
export type Sentiment = "positive" | "neutral" | "negative";
/** One offline field: alternatives to pick from, groups of sentences (one from each), an integer range or a boolean. */
export type OfflineField = string[] | string[][] | { int: [number, number] } | { bool: boolean };

export interface TemplateVariable {
  description: string;
  required?: boolean;
  default?: string;
}

export interface Template {
  id: string;
  version: number;
  description: string;
  variables: Record<string, TemplateVariable>;
  system: string;
  /** The output schema as written (JSON Schema) and compiled. */
  output: Record<string, unknown>;
  schema: TSchema;
  /** The field of a sample the quality filter and the sentiment check read. */
  text: string;
  quality: { minLength: number; maxLength: number };
  expectedOutputTokens: number;
  offline: Partial<Record<Sentiment, Record<string, OfflineField>>>;
  render(vars: Record<string, unknown>): string;
}

// One Handlebars instance for weir: `pick` and `int` draw from the rng passed in the render's data,
// so the local generator is deterministic; `json` writes a few-shot example as JSON.
const hb = Handlebars.create();
const rngOf = (options: { data?: { rng?: Rng } }): Rng => {
  const r = options?.data?.rng;
  if (!r) throw new WeirError("CONFIG_INVALID", "template helper pick/int used outside the local generator");
  return r;
};
hb.registerHelper("pick", (...args: unknown[]) => rngOf(args.pop() as never).pick(args.map(String)));
hb.registerHelper("int", (min: unknown, max: unknown, options: any) => rngOf(options).int(Number(min), Number(max)));
hb.registerHelper("json", (v: unknown) => JSON.stringify(v));

const compiled = new Map<string, HandlebarsTemplateDelegate>();
/** Renders a Handlebars string (compiled once, strict about nothing: a missing variable renders empty). */
export function renderText(source: string, vars: Record<string, unknown>, rng?: Rng): string {
  let t = compiled.get(source);
  if (!t) compiled.set(source, (t = hb.compile(source, { noEscape: true })));
  return t(vars, { data: { rng } });
}

function load(file: string): Template {
  const raw = parse(readFileSync(file, "utf8")) as Record<string, any>;
  const where = `template ${file}`;
  if (typeof raw?.id !== "string" || !Number.isInteger(raw.version)) throw new WeirError("CONFIG_INVALID", `${where}: needs id and an integer version`);
  const { schema, issues } = toTypeBox(raw.output, "/output");
  if (!schema) throw new WeirError("CONFIG_INVALID", `${where}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`);
  const prompt = String(raw.prompt ?? "");
  hb.precompile(prompt); // a syntax error fails at load, not on the first job
  return {
    id: raw.id,
    version: raw.version,
    description: String(raw.description ?? ""),
    variables: raw.variables ?? {},
    system: String(raw.system ?? ""),
    output: raw.output,
    schema,
    text: String(raw.text ?? Object.keys(raw.output.properties)[0]),
    quality: { minLength: raw.quality?.minLength ?? 20, maxLength: raw.quality?.maxLength ?? 4000 },
    expectedOutputTokens: raw.expectedOutputTokens ?? 200,
    offline: raw.offline ?? {},
    render: (vars) => renderText(prompt, vars),
  };
}

/** Every template of a folder, by `id@version`. */
export class TemplateCatalog {
  private readonly byKey = new Map<string, Template>();
  constructor(dir = TEMPLATES_DIR) {
    for (const f of readdirSync(dir).sort()) {
      if (!/\.v\d+\.ya?ml$/.test(f)) continue;
      const t = load(join(dir, f));
      this.byKey.set(`${t.id}@${t.version}`, t);
    }
  }
  get(id: string, version?: number): Template | undefined {
    if (version !== undefined) return this.byKey.get(`${id}@${version}`);
    return this.list().filter((t) => t.id === id).at(-1);
  }
  list(): Template[] {
    return [...this.byKey.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version);
  }
}

let shared: TemplateCatalog | undefined;
/** The templates shipped with weir (or WEIR_TEMPLATES_DIR), read on first use. */
export function templates(): TemplateCatalog {
  return (shared ??= new TemplateCatalog(process.env.WEIR_TEMPLATES_DIR ?? TEMPLATES_DIR));
}
