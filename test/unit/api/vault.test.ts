// The opt-in vault through the API (app.handle, in-memory store): insights never carry a sealed
// original, and POST /v1/vault/open returns it only with the tenant's credential AND its vault key,
// for that tenant's own message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../../api/app.ts";
import { loadApiConfig } from "../../../api/config.ts";
import { withoutVault } from "../../../api/vault.ts";
import { seal } from "../../../agents/pii/vault.ts";
import { createMemoryTransport } from "../../../engine/transport/memory.ts";
import { PostgresSink } from "../../../engine/sinks/postgres-sink.ts";
import { MemoryStore } from "../../../persistence/memory-store.ts";

const saved = { keys: process.env.WEIR_VAULT_KEYS, key: process.env.WEIR_PII_VAULT_KEY };
beforeAll(() => {
  process.env.WEIR_VAULT_KEYS = "acme:vault-acme";
  process.env.WEIR_PII_VAULT_KEY = "11".repeat(32);
});
afterAll(() => {
  // Assigning undefined to process.env would store the string "undefined".
  if (saved.keys === undefined) delete process.env.WEIR_VAULT_KEYS;
  else process.env.WEIR_VAULT_KEYS = saved.keys;
  if (saved.key === undefined) delete process.env.WEIR_PII_VAULT_KEY;
  else process.env.WEIR_PII_VAULT_KEY = saved.key;
});

async function setup() {
  const store = new MemoryStore();
  const vault = await seal({ text: "my card is 4111 1111 1111 1111" }, "env:WEIR_PII_VAULT_KEY", "acme", "m-1");
  const message = { id: "m-1", conversationId: "c-1", tenant: "acme", text: "my card is [CARD]", vault };
  await new PostgresSink(store, "db").write([{ key: "m-1", tenant: "acme", version: 1, kind: "message", headers: {}, timestamp: 1, value: { messageId: "m-1", conversationId: "c-1", tenant: "acme", version: 1, status: "final", missing: [], failed: [], outputs: {}, message } }]);
  const app = createApp({ config: loadApiConfig({ WEIR_API_KEYS: "acme:key-acme,globex:key-globex" }), producer: createMemoryTransport().producer(), store });
  const call = (path: string, init: RequestInit & { key: string; vaultKey?: string }) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.key}`);
    if (init.vaultKey) headers.set("x-weir-vault-key", init.vaultKey);
    if (init.body) headers.set("content-type", "application/json");
    return app.handle(new Request(`http://weir.test${path}`, { ...init, headers }));
  };
  return { call };
}

describe("vault", () => {
  test("insights and conversations never carry the sealed original", async () => {
    const { call } = await setup();
    const insights = await (await call("/v1/conversations/c-1/insights", { key: "key-acme" })).text();
    expect(insights).toContain("[CARD]");
    expect(insights).not.toContain('"vault"');
    expect(await (await call("/v1/conversations/c-1", { key: "key-acme" })).text()).not.toContain('"vault"');
  });

  test("opening needs the vault key, for the tenant's own message; then it returns the original", async () => {
    const { call } = await setup();
    const body = JSON.stringify({ conversationId: "c-1", messageId: "m-1" });
    expect((await call("/v1/vault/open", { method: "POST", key: "key-acme", body })).status).toBe(403);
    expect((await call("/v1/vault/open", { method: "POST", key: "key-acme", vaultKey: "wrong", body })).status).toBe(403);
    // Another tenant has no vault key and, with one, would not find acme's message.
    expect((await call("/v1/vault/open", { method: "POST", key: "key-globex", vaultKey: "vault-acme", body })).status).toBe(403);
    const bad = await call("/v1/vault/open", { method: "POST", key: "key-acme", vaultKey: "vault-acme", body: JSON.stringify({ conversationId: "c-1", messageId: "a@b" }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain("a@b");
    const ok = await call("/v1/vault/open", { method: "POST", key: "key-acme", vaultKey: "vault-acme", body });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ messageId: "m-1", original: { text: "my card is 4111 1111 1111 1111" } });
    expect((await call("/v1/vault/open", { method: "POST", key: "key-acme", vaultKey: "vault-acme", body: JSON.stringify({ conversationId: "c-1", messageId: "m-2" }) })).status).toBe(404);
  });

  test("withoutVault removes sealed vaults at any depth and leaves everything else", () => {
    const v = { v: 1, alg: "A256GCM", iv: "x", data: "y" };
    expect(withoutVault<unknown>({ a: { message: { text: "t", vault: v } }, list: [{ vault: v, k: 1 }], vault: "not a vault" })).toEqual({ a: { message: { text: "t" } }, list: [{ k: 1 }], vault: "not a vault" });
  });
});
