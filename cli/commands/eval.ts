// `weir eval`: scores the offline agents on the hand-written evaluation set
// (test/fixtures/eval/support-eval.txt, agents/eval/report.ts) — sentiment and intent precision,
// recall and F1 per label, sentiment calibration, personal-data spans per type — on the part rules
// were tuned on and on the held-out part, and writes them to bench/results/agents-eval.json
// (bench/agents/run.ts writes the same figures beside the speed ones into agents.json).
import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { parse } from "../args.ts";
import { EXIT } from "../exit-codes.ts";
import { evalReport } from "../../agents/eval/report.ts";
import { writeResults } from "../../bench/lib/results.ts";

const command: Command = {
  name: "eval",
  summary: "evaluate the offline agents on the hand-labelled set; writes bench/results/agents-eval.json",
  help: `Usage: weir eval [--set FILE] [--out FILE]

Runs the offline sentiment, insights (intent) and pii agents over the hand-written evaluation set
(test/fixtures/eval/support-eval.txt; a third of it is held out from tuning) and writes per-label
precision/recall/F1, sentiment calibration and PII span figures to bench/results/agents-eval.json.
Targets, on the held-out part: answers with sentiment confidence >= 0.9 right at least 90% of
the time; PII F1 >= 0.95 on structured identifiers and >= 0.9 on all types.
Exit 1 when a held-out target is missed.`,
  async run(argv) {
    const { values } = parse(argv, { set: { type: "string" }, out: { type: "string" } });
    const set = values.set ? resolve(String(values.set)) : undefined;
    const { results, detail } = await evalReport(set);
    const path = writeResults(values.out ? String(values.out) : "agents-eval", `bun cli/weir.ts eval${argv.length ? " " + argv.join(" ") : ""}`, results, { eval: detail });
    for (const r of results) process.stdout.write(`${r.pass === false ? "MISS" : "ok  "} ${r.name.padEnd(58)} ${r.value.toFixed(3)} (${r.baseline} ${r.baseline_value.toFixed(3)})\n`);
    const t = detail.tune as { sentiment: { macroF1: number }; intent: { accuracy: number } };
    const h = detail.holdout as { sentiment: { macroF1: number; accuracy: number }; intent: { accuracy: number } };
    process.stdout.write(`sentiment macro-F1: tune ${t.sentiment.macroF1}, hold-out ${h.sentiment.macroF1}; intent accuracy: tune ${t.intent.accuracy}, hold-out ${h.intent.accuracy}\n`);
    process.stdout.write(`wrote ${path}\n`);
    return results.some((r) => r.pass === false) ? EXIT.FAILURE : EXIT.OK;
  },
};
export default command;
