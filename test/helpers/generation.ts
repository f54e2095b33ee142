// Helpers for the generation job's end-to-end tests: a real `weir run` of topology/generation.yaml
// (with its API on a free port), a private copy of the topology (unique topics and group per test),
// and a small client of the jobs API that waits for a job to reach a status.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { WeirProcess } from "./weir-process.ts";
import { waitFor } from "./wait.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const API_KEY = "gen-test-key-0123456789";
export const TENANT = "acme";

/** topology/generation.yaml with its topics and group renamed after `tag`. */
export function privateTopology(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "weir-gen-"));
  const text = readFileSync(join(ROOT, "topology/generation.yaml"), "utf8")
    .replaceAll("generation.tasks", `${tag}.tasks`)
    .replaceAll("generation.dlq", `${tag}.dlq`)
    .replace("groupId: weir-generation", `groupId: ${tag}`);
  const file = join(dir, "generation.yaml");
  writeFileSync(file, text);
  return file;
}

/** A `weir run` worker serving the API; `url()` is its API address once running. */
export function generationWorker(name: string, file: string, env: Record<string, string | undefined>) {
  const logFile = join(tmpdir(), `weir-${name}.log`);
  const proc = new WeirProcess({ file, name, logFile, api: true, env: { PORT: "0", WEIR_API_KEYS: `${TENANT}:${API_KEY}`, WEIR_RATE_LIMIT_RPS: "1000", ...env } });
  return {
    proc,
    logFile,
    url(): string {
      // `weir run` logs "ready" with the API's url once everything runs.
      const line = proc.lines.find((l) => (l.msg === "ready" || l.msg === "weir API listening") && typeof l.url === "string");
      if (!line) throw new Error(`${name}: no "ready" line with the API url; see ${logFile}`);
      return String(line.url);
    },
  };
}

export type Job = {
  id: string;
  status: string;
  reason?: string;
  progress: { done: number; total: number; rejectedValidation: number; rejectedQuality: number; attempts: number; calls: number; inputTokens: number; outputTokens: number; costUsd: number };
  rejections: Record<string, number>;
  results: { offset: number; limit: number; items: Array<{ id: string; index: number; variant: string; text: string; data: Record<string, unknown>; template: string; templateVersion: number }> };
};

export class JobsClient {
  constructor(public url: () => string, private readonly key = API_KEY) {}
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(new URL(path, this.url()), { method, headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
  async create(body: Record<string, unknown>): Promise<string> {
    const r = await this.call("POST", "/v1/jobs", body);
    if (r.status !== 202) throw new Error(`POST /v1/jobs → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }
  async job(id: string, offset = 0, limit = 1000): Promise<Job> {
    const r = await this.call("GET", `/v1/jobs/${id}?offset=${offset}&limit=${limit}`);
    if (r.status !== 200) throw new Error(`GET /v1/jobs/${id} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
  /** Every sample of a job, page by page. */
  async samples(id: string): Promise<Job["results"]["items"]> {
    const out: Job["results"]["items"] = [];
    for (let offset = 0; ; offset += 100) {
      const page = (await this.job(id, offset, 100)).results.items;
      out.push(...page);
      if (page.length < 100) return out;
    }
  }
  /** Waits until the job has one of `statuses` (the API may be restarting: errors are retried). */
  until(id: string, statuses: string[], timeoutMs = 120_000): Promise<Job> {
    return waitFor(async () => {
      const j = await this.job(id, 0, 1).catch(() => undefined);
      return j && statuses.includes(j.status) ? j : undefined;
    }, `job ${id} to be ${statuses.join(" or ")}`, timeoutMs, 100);
  }
}
