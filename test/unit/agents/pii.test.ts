// PII recognisers: checksums and ranges reject look-alikes; every redaction mode; empty and many.
import { describe, expect, test } from "bun:test";
import { ibanValid, luhn, recognize, ssnValid } from "../../../agents/pii/recognizers.ts";
import { redact, redactText } from "../../../agents/pii/redaction.ts";
import { pii } from "../../../agents/pii/agent.ts";
import { systemClock } from "../../../engine/clock.ts";
import { logger } from "../../../engine/log.ts";

const types = (text: string) => recognize(text).map((f) => [f.type, text.slice(f.start, f.end)]);

describe("pii recognisers", () => {
  test("empty text has no findings", () => {
    expect(recognize("")).toEqual([]);
  });
  test("checksums: Luhn cards and mod-97 IBANs", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    expect(ibanValid("DE89 3704 0044 0532 0130 00")).toBe(true);
    expect(ibanValid("DE89 3704 0044 0532 0130 01")).toBe(false);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
  });
  test("a Luhn-invalid card number is not a card", () => {
    expect(types("card 4111 1111 1111 1112 please")).toEqual([]);
    expect(types("card 4111 1111 1111 1111 please")).toEqual([["card", "4111 1111 1111 1111"]]);
  });
  test("SSNs in invalid ranges are rejected", () => {
    for (const bad of ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"]) {
      expect(ssnValid(bad)).toBe(false);
      expect(types(`my SSN is ${bad}`)).toEqual([]);
    }
    expect(types("my SSN is 123-45-6789")).toEqual([["ssn", "123-45-6789"]]);
  });
  test("international phone formats, but not order numbers or dates", () => {
    expect(types("call +44 20 7946 0958 or (415) 555-0132 or +33 6 12 34 56 78").map((t) => t[0])).toEqual(["phone", "phone", "phone"]);
    expect(types("order #123456789 is late")).toEqual([]);
    expect(types("since 2024-03-15")).toEqual([]);
  });
  test("dates of birth need a context word; IPs; addresses; names with cues", () => {
    expect(types("meeting on 12/03/1985")).toEqual([]);
    expect(types("I was born on 12/03/1985")).toEqual([["dob", "12/03/1985"]]);
    expect(types("from 192.168.1.20 today")).toEqual([["ip", "192.168.1.20"]]);
    expect(types("running version 2.4.1.0")).toEqual([]);
    expect(types("I live at 221 Baker Street, London.")).toEqual([["address", "221 Baker Street, London"]]);
    expect(types("my name is Maria Lopez")).toEqual([["name", "Maria Lopez"]]);
    expect(types("this is Unacceptable")).toEqual([]);
  });
  test("a name alone on the line after a sign-off or a '--' signature marker", () => {
    expect(types("Please look into it.\n\nBest,\nRavi")).toEqual([["name", "Ravi"]]);
    expect(types("Still broken.\nThanks in advance,\nClaire Martin")).toEqual([["name", "Claire Martin"]]);
    expect(types("We lost a proposal.\n--\nSam Okoro\nHead of Operations")).toEqual([["name", "Sam Okoro"]]);
    expect(types("Thanks,\nThe Support Team")).toEqual([]);
    expect(types("Best,\nwe will wait")).toEqual([]);
  });
  test("findings carry span, confidence and context words", () => {
    const [f] = recognize("Visa card 4111111111111111");
    expect(f).toMatchObject({ type: "card", start: 10, end: 26 });
    expect(f).not.toHaveProperty("value");
    expect(f.confidence).toBeGreaterThan(0.9);
    expect(f.context).toContain("card");
  });
  test("redaction modes: tag, mask (keeps length) and hash (keyed: stable per key, different across keys)", () => {
    const text = "mail a@b.co now";
    const f = recognize(text);
    expect(redact(text, f, "tag")).toBe("mail [EMAIL] now");
    expect(redact(text, f, "mask")).toBe("mail ****** now");
    const h1 = redact(text, f, "hash", "key-1");
    expect(h1).toMatch(/^mail <EMAIL:[0-9a-f]{16}> now$/);
    expect(redact(text, f, "hash", "key-1")).toBe(h1);
    expect(redact(text, f, "hash", "key-2")).not.toBe(h1);
  });
  test("many findings, in order and without overlaps", () => {
    const text = "a@b.co, +1 415 555 0132, 4111 1111 1111 1111, DE89370400440532013000, 10.0.0.1";
    const found = recognize(text);
    expect(found.map((f) => f.type)).toEqual(["email", "phone", "card", "iban", "ip"]);
    for (let i = 1; i < found.length; i++) expect(found[i].start).toBeGreaterThanOrEqual(found[i - 1].end);
  });
  test("the log redactor keeps loopback addresses", () => {
    expect(redactText("listening on http://127.0.0.1:3000 for jane@x.org")).toBe("listening on http://127.0.0.1:3000 for [EMAIL]");
  });
  test("the agent keeps per-conversation PII flags", async () => {
    const ctx = { key: "c", tenant: "t", state: pii.initialState(), clock: systemClock, log: logger("t"), attempt: 1, signal: new AbortController().signal };
    const r1 = await pii.offline({ id: "1", conversationId: "c", tenant: "t", text: "mail me at a@b.co" }, ctx, { mode: "tag" });
    const r2 = await pii.offline({ id: "2", conversationId: "c", tenant: "t", text: "card 4111111111111111" }, { ...ctx, state: r1.state! }, {});
    expect(r2.state).toEqual({ types: ["email", "card"], count: 2 });
    expect(r1.output.redacted).toBe("mail me at [EMAIL]");
    expect(r1.output.findings).toEqual([{ type: "email", field: "/text", start: 11, end: 17, confidence: 0.99, context: [], redacted: "[EMAIL]" }]);
    expect(r1.record).toEqual({ id: "1", conversationId: "c", tenant: "t", text: "mail me at [EMAIL]" });
  });
});
