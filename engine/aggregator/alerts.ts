// Alert rules over conversation rollups, delivered as signed webhooks. The receiver checks
// `X-Weir-Signature: sha256=<hex HMAC-SHA256 of the raw body>` and `X-Weir-Timestamp` (also inside
// the body, so a replayed request with a fresh header fails the signature).
import { createHmac, timingSafeEqual } from "node:crypto";
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import { WeirError } from "../errors.ts";
import { logger } from "../log.ts";
import type { AggregatedResultShape as AggregatedResult } from "./schema.ts";
import type { BaseRollup } from "../contracts/rollup.ts";
import type { Alert } from "./schema.ts";

const log = logger("aggregator");

export interface AlertRule {
  name: string;
  when: { sentiment?: "negative" | "neutral" | "positive"; urgency?: string[]; piiSeen?: boolean; intent?: string[] };
  webhook: { url: string; secretEnv?: string };
}

/**
 * Rules whose every condition holds for this rollup (conditions are ANDed). The conditions read the
 * fields of the support fold's rollup (`sentiment.label`, `urgency`, `pii.seen`) and the result's
 * `insights.intent`; on a rollup without them a condition that needs them does not hold.
 */
export function matchingRules(rules: AlertRule[], rollup: BaseRollup, r: AggregatedResult): AlertRule[] {
  const intent = (r.outputs.insights as { intent?: string } | undefined)?.intent;
  const label = (rollup.sentiment as { label?: string } | undefined)?.label;
  const urgency = rollup.urgency as string | undefined;
  const piiSeen = (rollup.pii as { seen?: boolean } | undefined)?.seen ?? false;
  return rules.filter((rule) => {
    const w = rule.when;
    if (w.sentiment && label !== w.sentiment) return false;
    if (w.urgency && !(urgency && w.urgency.includes(urgency))) return false;
    if (w.piiSeen !== undefined && piiSeen !== w.piiSeen) return false;
    if (w.intent && !(intent && w.intent.includes(intent))) return false;
    return true;
  });
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time check of an `X-Weir-Signature` header against the raw body. */
export function verifySignature(secret: string, body: string, header: string | null | undefined): boolean {
  if (!header) return false;
  const want = Buffer.from(sign(secret, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookOptions {
  clock: Clock;
  /** Attempts in total, default 5; backoff doubles from `baseDelayMs` (default 200 ms) up to 10 s. */
  attempts?: number;
  baseDelayMs?: number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * POSTs a JSON body signed with `secret`, retrying 5xx, 429 and network failures with backoff.
 * @example
 * await sendWebhook("https://ops.example/hooks/weir", alert, process.env.WEIR_ALERT_SECRET!, { clock: systemClock });
 */
export async function sendWebhook(url: string, payload: unknown, secret: string, opts: WebhookOptions): Promise<{ status: number; attempts: number }> {
  const attempts = opts.attempts ?? 5;
  const f = opts.fetch ?? fetch;
  const body = JSON.stringify(payload);
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    const ts = String(opts.clock.now());
    try {
      const res = await f(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-weir-signature": sign(secret, body), "x-weir-timestamp": ts, "user-agent": "weir-alerts/1" },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      if (res.ok) return { status: res.status, attempts: i };
      last = new Error(`HTTP ${res.status}`);
      if (res.status < 500 && res.status !== 429) break; // the receiver rejected it; retrying will not help
    } catch (e) {
      last = e;
    }
    if (i < attempts) await opts.clock.sleep(backoffMs(i, { initialMs: opts.baseDelayMs ?? 200, maxMs: 10_000 }));
  }
  throw new WeirError("SINK_FAILED", `webhook ${url} failed: ${(last as Error)?.message ?? last}`, { cause: last, retriable: true, details: { url } });
}

/** Evaluates rules on each rollup change and sends one webhook per (rule, conversation) transition into the alert state. */
export class AlertNotifier {
  /** Conversations currently alerting per rule: alert once on entering, not on every message. */
  private readonly active = new Set<string>();
  constructor(
    private readonly rules: AlertRule[],
    private readonly opts: WebhookOptions & { secret?: (rule: AlertRule) => string | undefined },
  ) {}

  /** Returns the alerts sent (after their webhooks were delivered or gave up). */
  async evaluate(rollup: BaseRollup, r: AggregatedResult): Promise<Alert[]> {
    const hits = new Set(matchingRules(this.rules, rollup, r).map((x) => x.name));
    const sent: Alert[] = [];
    for (const rule of this.rules) {
      const k = `${rule.name}\u0000${rollup.tenant}\u0000${rollup.conversationId}`;
      if (!hits.has(rule.name)) {
        this.active.delete(k);
        continue;
      }
      if (this.active.has(k)) continue;
      this.active.add(k);
      const alert: Alert = { rule: rule.name, tenant: rollup.tenant, conversationId: rollup.conversationId, messageId: r.messageId, version: r.version, rollup, at: this.opts.clock.now() };
      const secret = this.opts.secret?.(rule) ?? (rule.webhook.secretEnv ? process.env[rule.webhook.secretEnv] : undefined) ?? "";
      try {
        await sendWebhook(rule.webhook.url, alert, secret, this.opts);
      } catch (e) {
        log.error("alert webhook failed", { rule: rule.name, err: e });
      }
      sent.push(alert);
    }
    return sent;
  }
}
