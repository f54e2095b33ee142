// The insights agent: intent from a documented support taxonomy (docs/agents.md), urgency, action
// items, entities and escalation signals. Offline: weighted patterns per intent, with tie-breaks
// by specificity.
import { Type } from "@sinclair/typebox";
import { defineAgent } from "./agent.ts";
import { SupportMessage } from "./message.ts";
import { askLlm } from "./llm-call.ts";
import { RuleScan } from "./rule-scan.ts";
import type { AgentContext, PromptTemplate } from "./agent.ts";

export const INTENTS = [
  "billing_refund", "billing_charge_dispute", "cancel_subscription", "account_access", "password_reset", "bug_report", "outage",
  "feature_request", "shipping_delivery", "order_status", "product_question", "complaint", "praise", "data_privacy_request",
  "technical_integration", "other",
] as const;
export type Intent = (typeof INTENTS)[number];

/** Weighted cues per intent; the highest total wins. */
const RULES: Record<Exclude<Intent, "other">, Array<[RegExp, number]>> = {
  billing_refund: [[/\brefund(ed|s)?\b/i, 3], [/\bmoney back\b/i, 3], [/\breimburse/i, 2.5], [/\breturn(ed)? (it|the|my)\b/i, 1], [/\b(back on my card|refund (it|me|the|this|to)|refunded)\b/i, 1.5]],
  billing_charge_dispute: [[/\b(charged|billed) (me )?(twice|double|two times|again|wrong)/i, 3.5], [/\bdouble[- ]charged\b/i, 3.5], [/\bunauthori[sz]ed (charge|payment|transaction)/i, 3.5], [/\b(overcharged|wrong amount|incorrect (charge|invoice|bill))\b/i, 3], [/\b(charge|invoice|bill|payment)\b/i, 0.8], [/\bdispute\b/i, 2], [/\b(invoice|statement|bill|fee|quote)\b/i, 1.2], [/\b(don'?t recogni[sz]e|did(n'?t| not) authori[sz]e|service fee|gone? up from|doesn'?t match the quote|amount is (different|wrong)|vat (amount|number)|billed in|charged for \d+ seats?)\b/i, 2.5], [/\b(reissue|corrected invoice|credit note)\b/i, 2.5]],
  cancel_subscription: [[/\bcancel+(ing|ation)? (my |the |our )?(subscription|plan|account|membership)/i, 4], [/\b(unsubscribe|close my account|stop (my )?(subscription|renewal)|end my (plan|subscription))\b/i, 3.5], [/\bdon'?t (want|need) (it|this|the service) anymore\b/i, 2], [/\bcancel\b/i, 1.5], [/\b(cancel(l?ing|led)?|pause my subscription|(do not|don'?t) renew|stop renewing|downgrade)\b/i, 2]],
  account_access: [[/\b(can'?t|cannot|unable to|won'?t let me) (log ?in|sign ?in|access)/i, 3.5], [/\blocked out\b/i, 3.5], [/\baccount (is )?(locked|suspended|disabled|hacked|compromised)/i, 3.5], [/\b(2fa|two[- ]factor|verification code|otp)\b/i, 2], [/\blog ?in\b/i, 1], [/\b(admin|account owner|ownership|devices? (are )?(logged|signed) in|merge my|two accounts|same email address|change the email|email (address )?on my (acc?ount|profile)|revoke|remove .{0,30}access|verify my identity|log in with)\b/i, 2.5], [/\b(hacked|compromised|someone logged in|changed my settings|locked account)\b/i, 3], [/\bacc?ount\b/i, 0.6], [/\b(two[- ]factor|authenticat\w*)\b/i, 1.5]],
  password_reset: [[/\b(reset|forgot|forgotten|change) (my )?password\b/i, 4], [/\bpassword reset\b/i, 4], [/\breset link\b/i, 2.5], [/\bpassword\b/i, 1.2]],
  bug_report: [[/\b(bug|glitch|crash(es|ed|ing)?|freez(es|ing)|error (message|code)?)\b/i, 2.5], [/\b(doesn'?t|does not|won'?t|isn'?t|not) (work|load|open|save|sync|respond)/i, 2], [/\bbroken\b/i, 1.5], [/\bstack ?trace|exception|500 error|404\b/i, 2.5], [/\bsteps to reproduce\b/i, 3], [/\b(something went wrong|won'?t start|logs? me out|don'?t add up|invisible|disappear\w*|all gone|nothing prints|still happening|since the (last )?update|after the update|cuts off|duplicate|unusable|takes \d+ seconds)\b/i, 2]],
  outage: [[/\b(down|outage|offline|unreachable|not loading for anyone)\b/i, 2.5], [/\b(whole|entire) (site|service|platform|team)\b/i, 1.5], [/\b(is|are|seems|appears) (to be )?down\b/i, 3], [/\bstatus page\b/i, 2], [/\b(all|none of) (our|my) (users|customers)\b/i, 1.5], [/\b(for everyone|everyone (on|in) our|all (card )?payments|none of our|haven'?t been sent|no connection|on your side|status page|503|502)\b/i, 2]],
  feature_request: [[/\b(feature request|would be (great|nice|awesome|helpful) if|please add|could you add|wish (it|you) (had|could)|suggestion)\b/i, 3.5], [/\b(support for|ability to|option to|dark mode|integration with)\b/i, 1.5], [/\broadmap\b/i, 2], [/\b(would be (even )?better if|would it be possible to add|add support|(small |a )?request:|bulk edit|helpful to have|add \w+ to the|plans for)\b/i, 3]],
  shipping_delivery: [[/\b(shipping|shipment|delivery|delivered|courier|parcel|package|tracking number)\b/i, 2.5], [/\b(never (arrived|came)|hasn'?t arrived|not (arrived|received)|still waiting for (my|the) (order|package))\b/i, 3], [/\b(damaged|wrong item|missing item)\b/i, 2], [/\b(deliver|driver|arriving|someone else'?s order|items? missing|missing from my order|the box|replacement)\b/i, 2]],
  order_status: [[/\b(where is|status of|update on) (my|the) order\b/i, 4], [/\border (#|number|no\.?)\s*\w+/i, 1.5], [/\bwhen will (my|it|the order) (ship|arrive)\b/i, 3], [/\border\s*#?\s*\d{3,}/i, 1.5], [/\b(has (it|my order) (been )?(dispatched|shipped|gone out)|shipped yet|dispatched|label created|processing|order (is )?confirmed|order went through|estimated delivery|order status)\b/i, 2.5]],
  product_question: [[/\b(how (do|can|does) (i|you|it)|is it possible to|does (it|the \w+) (support|work with|have)|what('?s| is) the difference|can i use)\b/i, 2.5], [/\b(compatible|specs?|pricing|price|plan includes?)\b/i, 1.5], [/\?\s*$/i, 0.8], [/\b(do you have|in stock|can i|can the|is there a|does the|how many|student discount|before i buy|assembled)\b/i, 1.6]],
  complaint: [[/\b(unacceptable|terrible service|worst|disgusted|appalling|ridiculous|fed up|sick of|never (buying|using) (again|this))\b/i, 3], [/\b(complain|complaint|manager|supervisor|escalate)\b/i, 2.5], [/\b(rude|unprofessional|ignored|no one (replies|responds|answers))\b/i, 2.5], [/\b(poor service|not impressed|leaving a review|loyal customer|useless|talk to a human|nobody (is )?answer\w*|not acceptable|copy-paste|closed my ticket|read my message)\b/i, 2.5]],
  praise: [[/\b(thank you so much|thanks so much|great (job|service|support)|amazing|awesome|love (it|this|your)|excellent|you guys rock|well done|above and beyond|lifesaver)\b/i, 3], [/\b(thanks|thank you|appreciate)\b/i, 1.2], [/\b(works now|problem solved|all good now|fixed it)\b/i, 2], [/\b(brilliant|impressive|the best|great service|helpful|clear)\b/i, 1.5]],
  data_privacy_request: [[/\b(gdpr|ccpa|delete (all )?my (data|information|personal)|data (export|deletion|request|portability)|right to be forgotten|privacy policy)\b/i, 4], [/\bwhat data do you (have|store|keep)\b/i, 3.5], [/\bpersonal (data|information)\b/i, 1.5], [/\bmy (personal )?data\b/i, 2.5], [/\b(delete|remove|erase)\w*\b.{0,40}\b(data|recordings?|information|date of birth)\b/i, 2.5], [/\b(opt out|stored in the eu|train ai)\b/i, 2.5]],
  technical_integration: [[/\b(api|sdk|webhook|endpoint|oauth|integration|rate limit|json|graphql|rest)\b/i, 2], [/\b(401|403|429|timeout|ssl|certificate|cors)\b/i, 2], [/\b(python|node|javascript|java|curl|zapier|salesforce|slack)\b/i, 1], [/\b(allowlist|whitelist|egress|connector|zap|crm|okta|sso|mapping|custom fields|integrat\w*)\b/i, 1.5]],
};

/** More specific intents win ties. */
const PRIORITY: Intent[] = ["data_privacy_request", "billing_charge_dispute", "password_reset", "cancel_subscription", "account_access", "outage", "order_status", "shipping_delivery", "billing_refund", "technical_integration", "bug_report", "feature_request", "complaint", "praise", "product_question", "other"];

/** Every rule of every intent, scanned in one pass (agents/rule-scan.ts). */
const FLAT = (Object.entries(RULES) as Array<[Intent, Array<[RegExp, number]>]>).flatMap(([intent, rules]) => rules.map(([re, w]) => ({ intent, re, w })));
const SCAN = new RuleScan(FLAT.map((r) => r.re));

/** The rules that fire, tested one by one: the reference the one-pass scan is checked against (tests, eval). */
export function intentScoresExact(text: string): Partial<Record<Intent, number>> {
  const scores: Partial<Record<Intent, number>> = {};
  for (const r of FLAT) if (r.re.test(text)) scores[r.intent] = (scores[r.intent] ?? 0) + r.w;
  return scores;
}

export function classifyIntent(text: string): { intent: Intent; confidence: number; scores: Partial<Record<Intent, number>> } {
  const scores: Partial<Record<Intent, number>> = {};
  const fired = SCAN.fired(text);
  for (let k = 0; k < FLAT.length; k++) if (fired[k]) scores[FLAT[k].intent] = (scores[FLAT[k].intent] ?? 0) + FLAT[k].w;
  const ranked = (Object.entries(scores) as Array<[Intent, number]>).sort((a, b) => b[1] - a[1] || PRIORITY.indexOf(a[0]) - PRIORITY.indexOf(b[0]));
  if (!ranked.length || ranked[0][1] < 1.2) return { intent: "other", confidence: 0.4, scores };
  const [best, second] = ranked;
  const margin = second ? (best[1] - second[1]) / best[1] : 1;
  return { intent: best[0], confidence: Math.round(Math.min(0.97, 0.55 + 0.08 * best[1] + 0.25 * margin) * 100) / 100, scores };
}

const CRITICAL = /\b(lawsuit|lawyer|legal action|sue|attorney|data breach|hacked|security (incident|breach)|fraud|police|safety|injur|fire|emergency|everything is down|production is down|all (our|my) (users|customers))\b/i;
const HIGH = /\b(urgent|asap|immediately|right now|today|critical|blocking|blocker|can'?t work|losing (money|customers|sales)|deadline|escalate|third time|again and again|still (not|broken))\b/i;
const LOW = /\b(no rush|whenever|when you (get a chance|have time)|just curious|just wondering|fyi|not urgent)\b/i;

export function urgencyOf(text: string, intent: Intent): "low" | "normal" | "high" | "critical" {
  if (CRITICAL.test(text)) return "critical";
  const caps = (text.match(/\b[A-Z]{3,}\b/g) ?? []).length >= 2;
  if (HIGH.test(text) || caps || /!{2,}/.test(text) || intent === "outage" || intent === "billing_charge_dispute") return "high";
  if (LOW.test(text) || intent === "praise" || intent === "feature_request") return "low";
  return "normal";
}

const ACTION = /\b(please|can you|could you|would you|i need|we need|i want|i'd like|make sure|let me know|send me|call me|email me|i will|i'll|we will|we'll|follow up)\b/i;
export function actionItems(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 3 && ACTION.test(s))
    .slice(0, 5);
}

export function entities(text: string): Array<{ type: string; value: string }> {
  const out: Array<{ type: string; value: string }> = [];
  const add = (type: string, re: RegExp, group = 0) => {
    for (const m of text.matchAll(re)) out.push({ type, value: m[group] });
  };
  add("order_id", /\b(?:order|ticket|case|invoice)\s*(?:#|no\.?|number)?\s*([A-Z0-9][A-Z0-9-]{3,})\b/gi, 1);
  add("amount", /(?:[$€£]\s?\d[\d,]*(?:\.\d{2})?|\b\d[\d,]*(?:\.\d{2})?\s?(?:usd|eur|gbp|dollars|euros|pounds)\b)/gi);
  add("date", /\b(?:\d{4}-\d{2}-\d{2}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|tomorrow|last (?:week|month))\b/gi);
  add("product", /\b(?:the )?([A-Z][a-zA-Z]+ (?:Pro|Plus|Max|Mini|Premium|Basic|Enterprise|App|Card|Plan))\b/g, 1);
  return out.slice(0, 20);
}

export function escalationSignals(text: string): string[] {
  const s: string[] = [];
  if (/\b(lawyer|lawsuit|legal action|sue|attorney|small claims|consumer protection)\b/i.test(text)) s.push("legal_threat");
  if (/\b(cancel|switch(ing)? to|competitor|leaving|close my account|never (buying|using))\b/i.test(text)) s.push("churn_risk");
  if (/\b(again|third time|second time|still|multiple times|already (contacted|called|emailed|told))\b/i.test(text)) s.push("repeated_contact");
  if (/\b(ceo|executive|manager|supervisor|twitter|social media|review|bbb|press)\b/i.test(text)) s.push("executive_or_public_complaint");
  if (/\b(injur|fire|smoke|burn|unsafe|dangerous|safety|emergency)\b/i.test(text)) s.push("safety");
  return s;
}

const Urgency = Type.Union([Type.Literal("low"), Type.Literal("normal"), Type.Literal("high"), Type.Literal("critical")]);
export const InsightsOutput = Type.Object({
  intent: Type.Union(INTENTS.map((i) => Type.Literal(i))),
  intentConfidence: Type.Number({ minimum: 0, maximum: 1 }),
  urgency: Urgency,
  actionItems: Type.Array(Type.String()),
  entities: Type.Array(Type.Object({ type: Type.String(), value: Type.String() })),
  escalation: Type.Array(Type.String()),
});
export const InsightsState = Type.Object({ contacts: Type.Integer({ minimum: 0 }), intents: Type.Record(Type.String(), Type.Integer()) });

export const INSIGHTS_PROMPT: PromptTemplate = {
  id: "insights",
  version: 1,
  system: `You analyse customer support messages. Intent is one of: ${INTENTS.join(", ")}. Urgency is low, normal, high or critical. Action items are sentences that request or promise an action. Escalation signals: legal_threat, churn_risk, repeated_contact, executive_or_public_complaint, safety. Answer with JSON only.`,
  render: (input) => `Message:\n${(input as { text: string }).text}`,
};

export const insights = defineAgent({
  name: "insights",
  description: "Intent (support taxonomy), urgency, action items, entities and escalation signals.",
  input: SupportMessage,
  output: InsightsOutput,
  state: InsightsState,
  initialState: () => ({ contacts: 0, intents: {} }),
  prompt: INSIGHTS_PROMPT,
  async llm(input, ctx) {
    const out = await askLlm<import("@sinclair/typebox").Static<typeof InsightsOutput>>("insights", INSIGHTS_PROMPT, InsightsOutput, input, ctx as AgentContext<unknown>);
    return { output: out, state: { contacts: ctx.state.contacts + 1, intents: { ...ctx.state.intents, [out.intent]: (ctx.state.intents[out.intent] ?? 0) + 1 } } };
  },
  offline(input, ctx) {
    const { intent, confidence } = classifyIntent(input.text);
    let urgency = urgencyOf(input.text, intent);
    const escalation = escalationSignals(input.text);
    // The same problem raised again in one conversation is more urgent.
    if ((ctx.state.intents[intent] ?? 0) >= 2 && intent !== "praise" && intent !== "other") {
      if (!escalation.includes("repeated_contact")) escalation.push("repeated_contact");
      if (urgency === "normal" || urgency === "low") urgency = "high";
    }
    return {
      output: { intent, intentConfidence: confidence, urgency, actionItems: actionItems(input.text), entities: entities(input.text), escalation },
      state: { contacts: ctx.state.contacts + 1, intents: { ...ctx.state.intents, [intent]: (ctx.state.intents[intent] ?? 0) + 1 } },
    };
  },
});
