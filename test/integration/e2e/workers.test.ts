// Several live `weir run topology/support.yaml` workers in one group on the real broker, with
// messages flowing while one of them is killed (-9) or stopped (SIGTERM) and restarted. Judged by
// what a user reads: every acknowledged message has a final row in PostgreSQL (none stuck partial,
// none lost), and the results topic never carries two different results under one weir.version.
// Each trial gets its own topics, group and schema (test/helpers/cluster.ts); the moment of the
// disruption is random (after 20–60 % of the messages have a row), so repeated runs cover more of
// the rebalance. WEIR_E2E_TRIALS sets the trials per test (default 2).
import { describe, expect, test } from "bun:test";
import { Cluster } from "../../helpers/cluster.ts";
import { summarise } from "../../helpers/user-view.ts";
import { waitFor } from "../../helpers/wait.ts";

const TRIALS = Number(process.env.WEIR_E2E_TRIALS ?? 2);
/** Per trial: ~8 s of ingestion at 125 msg/s, so traffic keeps arriving across the rebalance. */
const MESSAGES = Number(process.env.WEIR_E2E_MESSAGES ?? 1000);
const RATE = 125;

type Disruption = "none" | "kill9" | "sigterm";

interface TrialResult {
  /** Ids the producer could not get acknowledged (not the runtime's fault, but must be 0 here). */
  unacknowledged: number;
  lost: number;
  stuckPartial: number;
  conflictingSameVersion: number;
  rollupConflicts: number;
  /** Exit code of the SIGTERM'd worker (0 expected), null when no SIGTERM. */
  sigtermExit: number | null;
  /** Worker exits nobody asked for (crash, abort). */
  workerCrashes: number;
  /** The disruption's precondition (enough rows) was not reached within 90 s: the job stalled before it. */
  stalledBeforeDisruption: boolean;
}

async function trial(name: string, workers: number, disruption: Disruption, exactlyOnce = false): Promise<TrialResult> {
  await using cluster = await Cluster.create({ workers, exactlyOnce, name });
  await cluster.startAll();
  const traffic = cluster.traffic({ rate: RATE }).start(MESSAGES);
  let sigtermExit: number | null = null;
  let stalledBeforeDisruption = false;
  if (disruption !== "none") {
    const after = Math.floor(MESSAGES * (0.2 + Math.random() * 0.4));
    // A stall here is a finding, not a reason to lose the trial's numbers: disrupt anyway and judge.
    stalledBeforeDisruption = await waitFor(async () => (await cluster.sql`SELECT count(*)::int AS n FROM insights`)[0].n >= after, `${after} rows before the disruption`, 90_000, 100).then(
      () => false,
      () => true,
    );
    const victim = cluster.workers[Math.floor(Math.random() * workers)];
    if (disruption === "kill9") await victim.kill9();
    else sigtermExit = await victim.term();
    await victim.start();
  }
  await traffic.done;
  const outcome = await cluster.check(traffic.acked.keys());
  const s = summarise(outcome);
  const crashes = cluster.crashes();
  console.log(JSON.stringify({ trial: name, workers, disruption, exactlyOnce, ...s, sigtermExit, crashes, stalledBeforeDisruption, log: cluster.logFile }));
  return {
    unacknowledged: traffic.failed.length,
    lost: outcome.lost.length,
    stuckPartial: outcome.stuckPartial.length,
    conflictingSameVersion: outcome.conflicts.length,
    rollupConflicts: outcome.rollupConflicts.length,
    sigtermExit,
    workerCrashes: crashes.length,
    stalledBeforeDisruption,
  };
}

/** Runs the trials and compares each with the ideal, so a failure prints every trial's numbers. */
async function trials(name: string, workers: number, disruption: Disruption, exactlyOnce = false) {
  const results: TrialResult[] = [];
  for (let i = 0; i < TRIALS; i++) results.push(await trial(`${name}-${i}`, workers, disruption, exactlyOnce));
  const ideal: TrialResult = { unacknowledged: 0, lost: 0, stuckPartial: 0, conflictingSameVersion: 0, rollupConflicts: 0, sigtermExit: disruption === "sigterm" ? 0 : null, workerCrashes: 0, stalledBeforeDisruption: false };
  expect(results).toEqual(results.map(() => ideal));
}

const PER_TRIAL_MS = 150_000;

describe("live workers on the real broker (weir run ×N)", () => {
  // The control: one worker and no rebalance must already meet every check, so a failure of the
  // tests below is the runtime's under several workers, not the harness's.
  test("control: one worker, no disruption", async () => {
    await trials("single", 1, "none");
  }, TRIALS * PER_TRIAL_MS);

  test("two workers, no disruption: every message final, no conflicting same-version results", async () => {
    await trials("plain2", 2, "none");
  }, TRIALS * PER_TRIAL_MS);

  test("two live workers, one killed -9 mid-stream and restarted", async () => {
    await trials("kill2", 2, "kill9");
  }, TRIALS * PER_TRIAL_MS);

  test("three live workers, one killed -9 mid-stream and restarted", async () => {
    await trials("kill3", 3, "kill9");
  }, TRIALS * PER_TRIAL_MS);

  test("two live workers, one stopped with SIGTERM mid-stream (exits 0) and restarted", async () => {
    await trials("term2", 2, "sigterm");
  }, TRIALS * PER_TRIAL_MS);

  test("exactly-once, two workers, no disruption", async () => {
    await trials("eos-plain2", 2, "none", true);
  }, TRIALS * PER_TRIAL_MS);

  test("exactly-once: two live workers, one killed -9 mid-stream and restarted", async () => {
    await trials("eos-kill2", 2, "kill9", true);
  }, TRIALS * PER_TRIAL_MS);

  test("exactly-once: two live workers, one stopped with SIGTERM mid-stream and restarted", async () => {
    await trials("eos-term2", 2, "sigterm", true);
  }, TRIALS * PER_TRIAL_MS);
});
