// Which client gets which librdkafka property. Settings meant for every client (WEIR_KAFKA_CONFIG)
// lose their consumer-only keys on the way to producers and admin clients, and their producer-only
// keys on the way to consumers: librdkafka would ignore them anyway, with one warning per key and
// client. A key given for one kind of client that only the other kind understands is a mistake,
// reported by name instead of being dropped.
import { ValidationError } from "../errors.ts";
import { CONSUMER_ONLY, PRODUCER_ONLY } from "./property-scope.ts";
import type { KafkaConfig } from "./types.ts";

export type ClientRole = "consumer" | "producer";

const without = (config: KafkaConfig, drop: ReadonlySet<string>): KafkaConfig =>
  Object.fromEntries(Object.entries(config).filter(([k]) => !drop.has(k)));

/** The shared properties a consumer understands (producer-only ones left out). */
export const forConsumer = (shared: KafkaConfig): KafkaConfig => without(shared, PRODUCER_ONLY);
/** The shared properties a producer understands (consumer-only ones left out). */
export const forProducer = (shared: KafkaConfig): KafkaConfig => without(shared, CONSUMER_ONLY);
/** The admin client is a producer-type handle: it takes what a producer takes, minus producer-only keys. */
export const forAdmin = (shared: KafkaConfig): KafkaConfig => without(without(shared, CONSUMER_ONLY), PRODUCER_ONLY);

/**
 * Throws CONFIG_INVALID naming `source` and each key that the other kind of client owns, e.g. a
 * consumer-only `session.timeout.ms` in WEIR_KAFKA_PRODUCER_CONFIG.
 */
export function assertRole(config: KafkaConfig, role: ClientRole, source: string): void {
  const foreign = role === "producer" ? CONSUMER_ONLY : PRODUCER_ONLY;
  const other = role === "producer" ? "consumer" : "producer";
  const bad = Object.keys(config).filter((k) => foreign.has(k));
  if (!bad.length) return;
  throw new ValidationError(
    "CONFIG_INVALID",
    `${source}: ${bad.join(", ")} ${bad.length > 1 ? "are" : "is a"} ${other}-only propert${bad.length > 1 ? "ies" : "y"} (librdkafka would ignore ${bad.length > 1 ? "them" : "it"} on a ${role})`,
    bad.map((k) => ({ path: `${source}.${k}`, message: `${k} applies only to ${other}s`, expected: `a ${role} or common property; put ${other} settings in WEIR_KAFKA_${other.toUpperCase()}_CONFIG` })),
  );
}
