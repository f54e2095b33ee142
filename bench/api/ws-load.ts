// The WebSocket side of the API bench, its own process: opens N subscribers on URL, then asks the
// server to publish (POST TRIGGER), and counts deliveries until every subscriber has EXPECT
// messages or MAX_SECONDS pass. Prints one JSON line: deliveries, seconds, messages/s.
//   bun bench/api/ws-load.ts WS_URL TRIGGER_URL SUBSCRIBERS EXPECT MAX_SECONDS
import { WeirError } from "../../engine/errors.ts";
const [wsUrl, trigger, subsArg, expectArg, maxArg] = process.argv.slice(2);
const subscribers = Number(subsArg);
const expect = Number(expectArg);
const maxMs = Number(maxArg) * 1000;
const want = subscribers * expect;
let delivered = 0;
let last = 0;
let complete: () => void = () => {};
const allDelivered = new Promise<void>((r) => (complete = r));

const sockets: WebSocket[] = [];
await Promise.all(
  Array.from({ length: subscribers }, (_, i) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl!);
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new WeirError("INTERNAL", `subscriber ${i} could not connect`));
      ws.onmessage = (e) => {
        // weir greets each subscriber with a hello event; only published messages count.
        if (typeof e.data === "string" && e.data.startsWith('{"type":"hello"')) return;
        delivered++;
        if (delivered === want) {
          last = performance.now();
          complete();
        }
      };
      sockets.push(ws);
    }),
  ),
);
// The server answers the trigger once every subscriber is registered and publishing has started.
const t0 = performance.now();
const res = await fetch(trigger!, { method: "POST" });
if (!res.ok) throw new WeirError("INTERNAL", `trigger failed: ${res.status} ${await res.text()}`);
await Promise.race([allDelivered, Bun.sleep(maxMs)]);
const end = last || performance.now();
const seconds = (end - t0) / 1000;
for (const s of sockets) s.close();
console.log(JSON.stringify({ subscribers, expected: want, delivered, seconds, msgs_per_s: delivered / seconds }));
process.exit(0);

