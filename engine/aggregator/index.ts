// Public surface of the aggregator: the scatter-gather join, rollups, alerts and their schemas.
export { Aggregator, updateRollup, type AggregatorConfig, type AggregatedResult, type Rollup } from "./aggregator.ts";
export { ConversationRollups, type RollupSnapshot } from "./rollups.ts";
export { AlertNotifier, matchingRules, sendWebhook, sign, verifySignature, type AlertRule, type WebhookOptions } from "./alerts.ts";
export { AggregatedResultSchema, RollupSchema, AlertSchema, type Alert } from "./schema.ts";
