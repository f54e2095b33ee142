// A stand-in for Qdrant, which cannot run on the CI machine (no Docker; no build in the package
// registries here). It speaks enough of Qdrant's REST API for weir's sink and similarity endpoint:
// collection exists/create, payload index, upsert, scroll and query with a keyword filter, cosine
// scores computed exactly. Tests using it say so.
type Point = { id: string | number; vector: number[]; payload: Record<string, unknown> };
type Cond = { key: string; match: { value: unknown } };
type Filter = { must?: Cond[]; must_not?: Cond[] };

export interface FakeQdrant {
  url: string;
  points: Map<string, Point>;
  /** Every request body received, as text (the PII scan reads them). */
  bodies: string[];
  stop(): void;
}

const matches = (p: Point, f?: Filter) => (f?.must ?? []).every((c) => p.payload[c.key] === c.match.value) && !(f?.must_not ?? []).some((c) => p.payload[c.key] === c.match.value);
function cosine(a: number[], b: number[]) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) (dot += a[i] * b[i]), (na += a[i] * a[i]), (nb += b[i] * b[i]);
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function startFakeQdrant(): FakeQdrant {
  const collections = new Set<string>();
  const points = new Map<string, Point>();
  const bodies: string[] = [];
  const ok = (result: unknown) => Response.json({ result, status: "ok", time: 0 });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const m = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
      if (!m) return Response.json({ status: { error: `fake qdrant: no ${req.method} ${path}` } }, { status: 404 });
      const [, name, rest = ""] = m;
      if (req.body) bodies.push(await req.clone().text());
      const body = req.method === "GET" ? {} : ((await req.json().catch(() => ({}))) as any);
      if (rest === "/exists") return ok({ exists: collections.has(name) });
      if (rest === "" && req.method === "PUT") return collections.add(name), ok(true);
      if (rest === "/index") return ok({ operation_id: 0, status: "completed" });
      if (rest === "/points" && req.method === "PUT") {
        for (const p of body.points as Point[]) points.set(String(p.id), p);
        return ok({ operation_id: 1, status: "completed" });
      }
      if (rest === "/points/scroll") {
        const found = [...points.values()].filter((p) => matches(p, body.filter)).slice(0, body.limit ?? 10);
        return ok({ points: found.map((p) => ({ id: p.id, payload: p.payload, vector: body.with_vector ? p.vector : undefined })), next_page_offset: null });
      }
      if (rest === "/points/query") {
        const scored = [...points.values()].filter((p) => matches(p, body.filter)).map((p) => ({ id: p.id, version: 0, score: cosine(body.query, p.vector), payload: p.payload }));
        return ok({ points: scored.sort((a, b) => b.score - a.score).slice(0, body.limit ?? 10) });
      }
      return Response.json({ status: { error: `fake qdrant: no ${req.method} ${path}` } }, { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, points, bodies, stop: () => server.stop(true) };
}
