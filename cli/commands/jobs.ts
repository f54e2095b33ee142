// `weir jobs export ID` and `weir jobs status ID`: a generation job's samples as JSON lines, and its
// status, read through the HTTP API (any deployment, embedded included) or, with --db, straight
// from PostgreSQL (DATABASE_URL) when the API is not at hand.
import type { Command } from "../command.ts";
import { parse, UsageError } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { WeirError } from "../../engine/errors.ts";
import type { JobRow, SampleRow } from "../../engine/contracts/job-store.ts";

interface Source {
  job(): Promise<JobRow>;
  page(offset: number, limit: number): Promise<SampleRow[]>;
  close(): Promise<void>;
}

function apiSource(id: string, url: string, key: string | undefined): Source {
  const get = async (offset: number, limit: number) => {
    const res = await fetch(new URL(`/v1/jobs/${encodeURIComponent(id)}?offset=${offset}&limit=${limit}`, url), { headers: key ? { authorization: `Bearer ${key}` } : {} }).catch((e) => {
      throw new WeirError("SINK_FAILED", `cannot reach the API at ${url}: ${(e as Error).message}`, { retriable: true });
    });
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } } & JobRow & { results: { items: SampleRow[] } };
    if (!res.ok) throw new WeirError(res.status === 404 ? "NOT_FOUND" : res.status === 401 ? "UNAUTHORIZED" : "SINK_FAILED", `API answered ${res.status}: ${body.error?.message ?? ""}`);
    return body;
  };
  return { job: () => get(0, 1), page: async (o, l) => (await get(o, l)).results.items, close: async () => {} };
}

async function dbSource(id: string, tenant: string): Promise<Source> {
  const { connect } = await import("../../persistence/db.ts");
  const { PgJobStore } = await import("../../persistence/job-store.ts");
  const sql = connect();
  const store = new PgJobStore(() => sql);
  return {
    job: async () => {
      const j = await store.job(tenant, id);
      if (!j) throw new WeirError("NOT_FOUND", `job ${id} not found for tenant ${tenant}`);
      return j;
    },
    page: (o, l) => store.samples(tenant, id, o, l),
    close: () => sql.end(),
  };
}

const command: Command = {
  name: "jobs",
  summary: "generation jobs: export a job's samples as JSONL, show its status",
  help: `Usage: weir jobs export ID [--out FILE] [--url URL] [--key KEY] [--db --tenant T]
       weir jobs status ID [--url URL] [--key KEY] [--db --tenant T]

export writes one JSON line per sample (id, index, variant, template, templateVersion, data, labels,
provider, model) to stdout or --out, in index order. It refuses a job that has not finished unless
--partial is given. Reads GET /v1/jobs/ID through the API at --url (WEIR_URL, default
http://127.0.0.1:3000) with --key (WEIR_API_KEY); with --db, from PostgreSQL (DATABASE_URL) for --tenant.`,
  async run(argv) {
    const { values, positionals } = parse(argv, { out: { type: "string" }, url: { type: "string" }, key: { type: "string" }, db: { type: "boolean" }, tenant: { type: "string" }, partial: { type: "boolean" } });
    const [sub, id] = positionals;
    if (sub !== "export" && sub !== "status") throw new UsageError("expected export or status");
    if (!id) throw new UsageError("missing job ID");
    if (values.db && !values.tenant) throw new UsageError("--db needs --tenant");
    const src = values.db ? await dbSource(id, String(values.tenant)) : apiSource(id, String(values.url ?? process.env.WEIR_URL ?? "http://127.0.0.1:3000"), (values.key as string | undefined) ?? process.env.WEIR_API_KEY);
    try {
      const job = await src.job();
      if (sub === "status") {
        const { results: _r, ...rest } = job as JobRow & { results?: unknown };
        process.stdout.write(JSON.stringify(rest, null, 2) + "\n");
        return EXIT.OK;
      }
      if (!values.partial && (job.status === "queued" || job.status === "running")) {
        process.stderr.write(`weir jobs export: job ${id} is ${job.status} (${job.progress.done}/${job.progress.total}); wait, or pass --partial\n`);
        return EXIT.FAILURE;
      }
      const out = values.out ? Bun.file(String(values.out)).writer() : null;
      let n = 0;
      for (let offset = 0; ; ) {
        const rows = await src.page(offset, 1000);
        for (const s of rows) {
          const line = JSON.stringify({ id: s.id, jobId: s.jobId, index: s.index, variant: s.variant || undefined, template: s.template, templateVersion: s.templateVersion, data: s.data, labels: s.labels, provider: s.provider, model: s.model }) + "\n";
          if (out) out.write(line);
          else process.stdout.write(line);
          n++;
        }
        if (rows.length < 1000) break;
        offset += rows.length;
      }
      if (out) await out.end();
      process.stderr.write(`exported ${n} samples of job ${id} (${job.status})\n`);
      return EXIT.OK;
    } finally {
      await src.close();
    }
  },
};
export default command;
