// /docs and /docs/json. The OpenAPI document comes from the routes' TypeBox schemas (through
// @elysiajs/openapi), with the named schemas listed under components.schemas. The page must work
// offline, so nothing is loaded from a CDN: when the pinned npm package @scalar/api-reference is
// installed its bundle is served from this process; otherwise api/docs/page.ts renders the document.
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { TSchema } from "@sinclair/typebox";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { DOCS_PAGE } from "./page.ts";

/** The installed Scalar bundle, if any (resolved, never downloaded). */
function scalarBundle(): string | undefined {
  try {
    // The package's exports do not list its browser bundle: find it next to the main entry (dist/).
    const main = Bun.resolveSync("@scalar/api-reference", import.meta.dir);
    const bundle = join(dirname(main), "browser", "standalone.js");
    return existsSync(bundle) ? bundle : undefined;
  } catch {
    return undefined;
  }
}

const html = (body: string) => new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });

/**
 * The docs plugin; mount it on the app whose routes it documents.
 * @example
 * app.use(docs({ IngestMessage, Accepted }))
 */
export function docs(schemas: Record<string, TSchema>) {
  const bundle = scalarBundle();
  const documentation = {
    info: { title: "weir API", version: "1", description: "Ingest support messages, read their insights, and follow results live. WebSockets: /ws/stream and /ws/conversations/{id} (docs/api.md)." },
    components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer" } }, schemas: schemas as Record<string, never> },
    security: [{ bearer: [] }],
  };
  const app = new Elysia().use(
    openapi({ path: "/docs", provider: bundle ? "scalar" : null, scalar: bundle ? ({ cdn: "/docs/assets/scalar.js", withDefaultFonts: false } as never) : undefined, documentation }),
  );
  if (bundle) return app.get("/docs/assets/scalar.js", () => new Response(Bun.file(bundle), { headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" } }), { detail: { hide: true } });
  return app.get("/docs", () => html(DOCS_PAGE), { detail: { hide: true } });
}
