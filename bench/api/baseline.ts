// The bare-Bun baselines of the API bench: what weir's API is measured against.
// - ingestion: Bun.serve with one POST /v1/messages route doing the same work weir's route must do
//   at minimum — parse, validate against SupportMessage (compiled TypeBox), produce keyed by
//   conversationId and answer 202 once the broker has acknowledged it.
// - fan-out: Bun.serve WebSocket pub/sub; POST /publish sends `count` messages to every subscriber.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { SupportMessage } from "../../agents/message.ts";
import type { Producer } from "../../engine/kafka/types.ts";

const check = TypeCompiler.Compile(SupportMessage);

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export function startIngestBaseline(producer: Producer, topic: string): RunningServer {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    routes: {
      "/v1/messages": {
        POST: async (req) => {
          let body: unknown;
          try {
            body = await req.json();
          } catch {
            return Response.json({ error: "invalid JSON" }, { status: 400 });
          }
          if (!check.Check(body)) return Response.json({ error: "invalid message" }, { status: 400 });
          await producer.produce({ topic, key: body.conversationId, value: JSON.stringify(body) });
          return Response.json({ accepted: true, id: body.id }, { status: 202 });
        },
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  return { url: `http://127.0.0.1:${server.port}/v1/messages`, stop: () => server.stop(true) };
}

export interface FanoutServer extends RunningServer {
  wsUrl: string;
  triggerUrl: string;
}

/** Publishes `count` messages of about `size` bytes to every subscriber of one topic. */
export function startFanoutBaseline(count: number, size: number): FanoutServer {
  const payload = JSON.stringify({ type: "message", data: "x".repeat(Math.max(0, size - 30)) });
  const server: Bun.Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === "/ws") return srv.upgrade(req) ? undefined : new Response("upgrade failed", { status: 400 });
      if (path === "/publish" && req.method === "POST") {
        // Yield between slices so the sockets can drain, as a server fed by a stream would.
        (async () => {
          for (let i = 0; i < count; i++) {
            srv.publish("fanout", payload);
            if (i % 10 === 9) await Bun.sleep(0);
          }
        })();
        return new Response("publishing", { status: 202 });
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      open(ws) {
        ws.subscribe("fanout");
      },
      message() {},
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, wsUrl: `ws://127.0.0.1:${server.port}/ws`, triggerUrl: `http://127.0.0.1:${server.port}/publish`, stop: () => server.stop(true) };
}

/**
 * The floor of the POST → WebSocket path: POST /v1/messages is parsed and published straight to
 * the subscribers of /ws/stream as a `final` insight event for that message id (Bun pub/sub), then
 * answered 202 — no validation, no Kafka, no agents: what any server must do to get a POSTed
 * message onto a socket.
 */
export function startPostToWsBaseline(): RunningServer {
  let seq = 0;
  const server: Bun.Server<undefined> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === "/ws/stream") return srv.upgrade(req) ? undefined : new Response("upgrade failed", { status: 400 });
      if (path === "/v1/messages" && req.method === "POST") {
        let body: { id?: unknown; conversationId?: unknown };
        try {
          body = (await req.json()) as typeof body;
        } catch {
          return Response.json({ error: "invalid JSON" }, { status: 400 });
        }
        if (typeof body.id !== "string" || typeof body.conversationId !== "string") return Response.json({ error: "id and conversationId: must be strings" }, { status: 400 });
        srv.publish("stream", JSON.stringify({ type: "insight", seq: ++seq, tenant: "bench", conversationId: body.conversationId, data: { messageId: body.id, conversationId: body.conversationId, status: "final" } }));
        return Response.json({ messageId: body.id, conversationId: body.conversationId }, { status: 202 });
      }
      return new Response("not found", { status: 404 });
    },
    websocket: {
      open(ws) {
        ws.subscribe("stream");
      },
      message() {},
    },
  });
  return { url: `http://127.0.0.1:${server.port}/`, stop: () => server.stop(true) };
}
