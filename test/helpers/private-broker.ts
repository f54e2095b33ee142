// A second, private Kafka broker (scripts/kafka/broker.sh on another port) for tests and benches that
// stop and restart a broker: stopping it cannot disturb the shared one at 127.0.0.1:9092.
// Port: WEIR_TEST_KAFKA_RESTART_PORT (default 19192); its controller listens on the next port.
import { resolve } from "node:path";

const SCRIPT = resolve(import.meta.dir, "../../scripts/kafka/broker.sh");

export interface PrivateBroker {
  /** Bootstrap servers, e.g. "127.0.0.1:19192". */
  brokers: string;
  /** Starts the broker (reusing a running one) and returns once it listens. */
  start(): void;
  /** Stops it (SIGTERM, then SIGKILL after 30 s) and returns once the port is closed. */
  stop(): void;
  /** Stops it and deletes its data. */
  reset(): void;
}

/**
 * @example
 * const broker = privateBroker();
 * broker.start();
 * broker.stop(); broker.start(); // a broker restart
 * broker.reset();
 */
export function privateBroker(port = process.env.WEIR_TEST_KAFKA_RESTART_PORT ?? "19192"): PrivateBroker {
  const env = { ...process.env, WEIR_KAFKA_PORT: String(port), WEIR_KAFKA_CONTROLLER_PORT: String(Number(port) + 1) };
  const run = (cmd: string) => {
    const r = Bun.spawnSync(["bash", SCRIPT, cmd], { env, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0 && cmd !== "stop") throw new Error(`broker ${cmd} failed: ${r.stderr.toString()}${r.stdout.toString()}`);
  };
  return { brokers: `127.0.0.1:${port}`, start: () => run("start"), stop: () => run("stop"), reset: () => run("reset") };
}
