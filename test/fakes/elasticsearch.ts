// A stand-in for Elasticsearch, which cannot run on the CI machine (no Docker, no distribution in
// the package registries here). It speaks just enough of the REST wire format for weir's sink and
// search: index template, index exists/create, _bulk with external versions, and a _search that
// matches any query word in text or summary within a tenant. Tests using it say so.
export interface FakeElasticsearch {
  url: string;
  docs: Map<string, Record<string, any>>;
  requests: string[];
  /** Every request body received, as text (the PII scan reads them). */
  bodies: string[];
  stop(): void;
}

export function startFakeElasticsearch(): FakeElasticsearch {
  const docs = new Map<string, Record<string, any>>();
  const versions = new Map<string, number>();
  const requests: string[] = [];
  const bodies: string[] = [];
  const headers = { "content-type": "application/json", "x-elastic-product": "Elasticsearch" };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      requests.push(`${req.method} ${url.pathname}`);
      if (req.body) bodies.push(await req.clone().text());
      if (url.pathname.startsWith("/_index_template/")) return json({ acknowledged: true });
      if (url.pathname === "/_bulk") {
        const lines = (await req.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
        const items = [];
        for (let i = 0; i < lines.length; i += 2) {
          const { _id, version } = lines[i].index;
          const stored = versions.get(_id) ?? 0;
          if (version <= stored) {
            items.push({ index: { _id, status: 409 } });
            continue;
          }
          versions.set(_id, version);
          docs.set(_id, lines[i + 1]);
          items.push({ index: { _id, status: 201 } });
        }
        return json({ took: 1, errors: items.some((it) => it.index.status >= 300), items });
      }
      if (url.pathname.endsWith("/_search")) {
        const body = (await req.json()) as any;
        const tenant = body.query.bool.filter[0].term.tenant;
        const words = String(body.query.bool.must[0].multi_match.query).toLowerCase().split(/\W+/).filter(Boolean);
        const hits = [...docs.values()]
          .filter((d) => d.tenant === tenant && words.some((w) => `${d.text ?? ""} ${d.summary ?? ""}`.toLowerCase().includes(w)))
          .slice(0, body.size ?? 10)
          .map((d) => ({ _id: `${d.tenant}/${d.messageId}`, _score: 1, _source: d }));
        return json({ took: 1, timed_out: false, hits: { total: { value: hits.length, relation: "eq" }, max_score: 1, hits } });
      }
      if (url.pathname === "/_cluster/health") return json({ status: "green" });
      if (req.method === "HEAD") return new Response(null, { status: 200, headers });
      if (req.method === "PUT") return json({ acknowledged: true, index: url.pathname.slice(1) });
      return json({ error: `fake elasticsearch: no ${req.method} ${url.pathname}` }, 400);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, docs, requests, bodies, stop: () => server.stop(true) };
}
