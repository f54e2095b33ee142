// The `sample-index` sink: indexes a generation job's accepted samples in Elasticsearch
// (`<prefix>-samples`, one document per sample and tenant) so a data set can be searched and
// inspected. Fed by the generator agent (the record carries its output under the agent's node name).
// Documents are keyed `tenant/sampleId` and written without versions: a batch replayed after a crash
// writes the same slots again, and the last write — the one the job store also keeps — wins.
import { Client, HttpConnection } from "@elastic/elasticsearch";
import { WeirError } from "../errors.ts";
import type { ComponentHealth, Sink, SinkRecord } from "./sink.ts";

interface SampleDoc {
  id: string;
  jobId: string;
  index: number;
  variant: string;
  text: string;
  template: string;
  templateVersion: number;
  labels: Record<string, unknown>;
  data: Record<string, unknown>;
}

export class SampleIndexSink implements Sink {
  readonly client: Client;
  readonly index: string;
  constructor(
    opts: { url: string; prefix?: string; client?: Client },
    private readonly node: string,
    readonly name = "sample-index",
  ) {
    // node:http connection: the default undici one fails under Bun (see elasticsearch-sink.ts).
    this.client = opts.client ?? new Client({ node: opts.url, Connection: HttpConnection });
    this.index = `${opts.prefix ?? "weir"}-samples`;
  }

  async start(): Promise<void> {
    await this.client.indices.putIndexTemplate({
      name: `${this.index}-template`,
      index_patterns: [`${this.index}*`],
      template: {
        settings: { number_of_shards: 1 },
        mappings: { dynamic: false, properties: { tenant: { type: "keyword" }, jobId: { type: "keyword" }, sampleId: { type: "keyword" }, index: { type: "integer" }, variant: { type: "keyword" }, template: { type: "keyword" }, templateVersion: { type: "integer" }, text: { type: "text" }, labels: { type: "object", enabled: false }, data: { type: "object", enabled: false } } },
      },
    });
    if (!(await this.client.indices.exists({ index: this.index }))) await this.client.indices.create({ index: this.index }).catch((e) => {
      if (!/resource_already_exists/.test(String(e))) throw e;
    });
  }

  async write(records: SinkRecord[]): Promise<void> {
    const operations = records.flatMap((r) => {
      const samples = ((r.value[this.node] as { samples?: SampleDoc[] } | undefined)?.samples ?? []) as SampleDoc[];
      return samples.flatMap((s) => [{ index: { _index: this.index, _id: `${r.tenant}/${s.id}` } }, { tenant: r.tenant, jobId: s.jobId, sampleId: s.id, index: s.index, variant: s.variant, template: s.template, templateVersion: s.templateVersion, text: s.text, labels: s.labels, data: s.data }]);
    });
    if (!operations.length) return;
    let res;
    try {
      res = await this.client.bulk({ operations, refresh: false });
    } catch (e) {
      throw new WeirError("SINK_FAILED", `elasticsearch bulk failed: ${(e as Error).message}`, { cause: e, retriable: true });
    }
    const failed = res.items.filter((it) => (it.index?.status ?? 500) >= 300).length;
    // The sink writer retries the whole record: re-indexing the same documents is harmless.
    if (failed) throw new WeirError("SINK_FAILED", `elasticsearch rejected ${failed} sample documents`, { retriable: true });
  }

  async health(): Promise<ComponentHealth> {
    try {
      const h = await this.client.cluster.health();
      return { name: this.name, ok: h.status !== "red", detail: h.status };
    } catch (e) {
      return { name: this.name, ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
