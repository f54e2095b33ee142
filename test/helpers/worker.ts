// A pipeline worker process for crash tests: runs the test topology with a PostgreSQL sink. A short
// session timeout lets the group notice a killed worker within seconds.
//   bun test/helpers/worker.ts NAME IN OUT DLQ SCHEMA
import { Pipeline } from "../../engine/runtime/pipeline.ts";
import { PostgresSink } from "../../engine/sinks/postgres-sink.ts";
import { connect } from "../../persistence/db.ts";
import { Store } from "../../persistence/store.ts";
import { kafka } from "./kafka.ts";
import { TEST_AGENTS, testTopology } from "./pipeline.ts";

const [name, input, out, dlq, schema] = process.argv.slice(2);
const topology = testTopology(name, { in: input, out, dlq, partitions: 3, delayMs: 2 });
const yamlSinks = topology.sinks;
// Results go to PostgreSQL too: upserts keyed by message id make replays harmless.
topology.sinks = [...yamlSinks, { name: "db", input: "results", type: "postgres" }];
const sql = connect({ url: process.env.WEIR_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test", schema, max: 4 });
const store = new Store(sql);
const pipeline = new Pipeline({ topology, transport: kafka({ "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000 }), agents: TEST_AGENTS, commitIntervalMs: 100, sinks: { db: new PostgresSink(store, "db") } });
await pipeline.start();
setInterval(() => process.stdout.write(JSON.stringify({ done: pipeline.stats.done }) + "\n"), 100);
