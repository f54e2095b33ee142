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
