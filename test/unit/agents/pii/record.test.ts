// The pii agent's record: text, metadata (nested, arrays, keys, numbers), other fields; drop rules;
// the depth bound; the opt-in vault; config validation. No raw value in the record or the findings.
import { describe, expect, test } from "bun:test";
import { pii } from "../../../../agents/pii/agent.ts";
import { parsePiiConfig, piiConfigIssues } from "../../../../agents/pii/config.ts";
import { MAX_DEPTH, redactRecord, TRUNCATED } from "../../../../agents/pii/record.ts";
import { open, seal } from "../../../../agents/pii/vault.ts";
import { systemClock } from "../../../../engine/clock.ts";
import { logger } from "../../../../engine/log.ts";

const ctx = { key: "c1", tenant: "acme", state: pii.initialState(), clock: systemClock, log: logger("test"), attempt: 1, signal: new AbortController().signal };
const RAW = { card: "4111 1111 1111 1111", email: "jane.doe@example.com", iban: "DE89 3704 0044 0532 0130 00", ssn: "123-45-6789", phone: "+44 20 7946 0958" };
const message = () => ({
  id: "m-1",
  conversationId: "c1",
  tenant: "acme",
  text: `Hi, card ${RAW.card}, mail ${RAW.email}`,
  channel: `email ${RAW.email}`,
  timestamp: 1_700_000_000_000,
  metadata: {
    customer: { contact: RAW.email, accounts: [{ iban: RAW.iban }, `SSN ${RAW.ssn}`], phone: RAW.phone },
    cardNumber: 4111111111111111,
    [RAW.email]: "seen",
    password: "hunter2",
    plan: "gold",
  },
});

describe("pii agent record", () => {
  test("empty metadata and no PII: the record passes unchanged and there are no findings", async () => {
    const r = await pii.offline({ id: "m", conversationId: "c", tenant: "t", text: "where is my parcel?", metadata: {} }, ctx, {});
    expect(r.record).toEqual({ id: "m", conversationId: "c", tenant: "t", text: "where is my parcel?", metadata: {} });
    expect(r.output.findings).toEqual([]);
  });

  test("text, channel and nested metadata are redacted; ids and timestamp are not scanned; no raw value anywhere", async () => {
    const r = await pii.offline(message(), ctx, { mode: "tag", drop: ["password"] });
    expect(r.record).toEqual({
      id: "m-1",
      conversationId: "c1",
      tenant: "acme",
      text: "Hi, card [CARD], mail [EMAIL]",
      channel: "email [EMAIL]",
      timestamp: 1_700_000_000_000,
      metadata: { customer: { contact: "[EMAIL]", accounts: [{ iban: "[IBAN]" }, "SSN [SSN]"], phone: "[PHONE]" }, cardNumber: "[CARD]", "[EMAIL]": "seen", plan: "gold" },
    });
    const fields = r.output.findings.map((f) => [f.type, f.field]);
    expect(fields).toContainEqual(["iban", "/metadata/customer/accounts/0/iban"]);
    expect(fields).toContainEqual(["card", "/metadata/cardNumber"]);
    expect(fields).toContainEqual(["email", "/channel"]);
    const all = JSON.stringify([r.record, r.output, r.state]);
    for (const v of [...Object.values(RAW), "4111111111111111", "hunter2"]) expect(all).not.toContain(v);
  });

  test("metadata: drop removes it whole", async () => {
    const r = await pii.offline(message(), ctx, { metadata: "drop" });
    expect(r.record).not.toHaveProperty("metadata");
    expect(r.output.findings.every((f) => !f.field.startsWith("/metadata"))).toBe(true);
  });

  test("hash mode: a keyed hash per value, equal values equal hashes", async () => {
    process.env.WEIR_PII_HASH_KEY = "k-test";
    const r = await pii.offline(message(), ctx, { mode: "hash" });
    const md = r.record!.metadata as { customer: { contact: string } };
    expect(md.customer.contact).toMatch(/^<EMAIL:[0-9a-f]{16}>$/);
    expect(r.record!.text).toContain(md.customer.contact);
    expect(r.output.findings.every((f) => /^<[A-Z]+:[0-9a-f]{16}>$/.test(f.redacted))).toBe(true);
  });

  test("metadata deeper than the bound is truncated, not passed on unscanned", () => {
    let deep: unknown = RAW.email;
    for (let i = 0; i < MAX_DEPTH + 2; i++) deep = { x: deep };
    const { record } = redactRecord({ id: "m", text: "", metadata: deep as Record<string, unknown> }, parsePiiConfig({}), []);
    expect(JSON.stringify(record)).not.toContain(RAW.email);
    expect(JSON.stringify(record)).toContain(TRUNCATED);
  });

  test("a vault in the input is not trusted; keepOriginal seals the original, bound to the message", async () => {
    process.env.WEIR_TEST_VAULT_KEY = Buffer.alloc(32, 7).toString("base64");
    const plain = await pii.offline({ ...message(), vault: { forged: true } } as never, ctx, {});
    expect(plain.record).not.toHaveProperty("vault");
    const cfg = { keepOriginal: { vault: "env:WEIR_TEST_VAULT_KEY" } };
    const r = await pii.offline(message(), ctx, cfg);
    const vault = r.record!.vault as { v: 1; alg: "A256GCM"; iv: string; data: string };
    expect(vault).toMatchObject({ v: 1, alg: "A256GCM" });
    for (const v of Object.values(RAW)) expect(JSON.stringify(vault)).not.toContain(v);
    expect(await open(vault, cfg.keepOriginal.vault, "acme", "m-1")).toEqual(message());
    await expect(open(vault, cfg.keepOriginal.vault, "acme", "m-2")).rejects.toThrow("cannot be opened");
    await expect(open(await seal("x", cfg.keepOriginal.vault, "a", "b"), cfg.keepOriginal.vault, "a", "b")).resolves.toBe("x");
  });

  test("keepOriginal with the key unset or the wrong size is CONFIG_INVALID, not retriable", async () => {
    delete process.env.WEIR_TEST_VAULT_MISSING;
    process.env.WEIR_TEST_VAULT_SHORT = "c2hvcnQ=";
    for (const name of ["WEIR_TEST_VAULT_MISSING", "WEIR_TEST_VAULT_SHORT"]) {
      const err = await Promise.resolve(pii.offline(message(), ctx, { keepOriginal: { vault: `env:${name}` } })).catch((e) => e);
      expect(err).toMatchObject({ code: "CONFIG_INVALID", retriable: false });
    }
  });

  test("config: unknown fields and bad values are reported together", () => {
    expect(piiConfigIssues({ mode: "tag", metadata: "redact", drop: ["a"], keepOriginal: { vault: "env:K" } })).toEqual([]);
    const paths = new Set(piiConfigIssues({ mode: "scramble", keepOriginal: { vault: "plaintext-key" }, extra: 1 }).map((i) => i.path));
    expect([...paths].sort()).toEqual(["/extra", "/keepOriginal/vault", "/mode"]);
    expect(() => parsePiiConfig({ mode: "scramble" })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
