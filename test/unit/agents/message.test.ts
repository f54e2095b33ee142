// SupportMessage: ids and the tenant have a restricted shape, so they cannot carry personal data.
import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { SupportMessage } from "../../../agents/message.ts";

const ok = { id: "m-1", conversationId: "conv:2024.06_x", tenant: "acme", text: "hi" };

describe("SupportMessage ids", () => {
  test("usual ids and tenants pass", () => {
    expect(Value.Check(SupportMessage, ok)).toBe(true);
    expect(Value.Check(SupportMessage, { ...ok, id: "3f2b9c1e-0c1a-4a57-9f1e-2b7d9a0c1e55", tenant: "tenant_2-eu" })).toBe(true);
  });
  test("emails, phones with spaces, empty and over-long ids are rejected", () => {
    for (const id of ["jane.doe@example.com", "+44 20 7946 0958", "", "x".repeat(129), "a/b", "m\u00001"]) {
      expect(Value.Check(SupportMessage, { ...ok, id })).toBe(false);
      expect(Value.Check(SupportMessage, { ...ok, conversationId: id })).toBe(false);
    }
  });
  test("tenants: no separators that could join keys", () => {
    for (const tenant of ["acme\u0000R", "-acme", "a".repeat(65), "acme:eu", "acme eu", ""]) expect(Value.Check(SupportMessage, { ...ok, tenant })).toBe(false);
    expect(Value.Check(SupportMessage, { ...ok, tenant: "Acme" })).toBe(true);
  });
});
