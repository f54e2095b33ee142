// API settings a newcomer meets first: the development key stays the same across restarts (kept in
// a git-ignored file, mode 0600), and without real credentials the API listens on this machine only.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadApiConfig } from "../../../api/config.ts";

const dir = mkdtempSync(join(tmpdir(), "weir-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadApiConfig", () => {
  test("the development key is created once in its file and read back on the next start", () => {
    const file = join(dir, ".weir", "dev-key");
    const first = loadApiConfig({}, { devKeyFile: file });
    expect(first.devKey).toMatch(/^dev_[A-Za-z0-9_-]{24}$/);
    expect(readFileSync(file, "utf8").trim()).toBe(first.devKey!);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadApiConfig({}, { devKeyFile: file });
    expect(second.devKey).toBe(first.devKey!);
    expect(second.auth.apiKeys.get(first.devKey!)).toBe("default");
    expect(second.devKeyFile).toBe(file);
  });

  test("a file that does not hold a key is replaced", () => {
    const file = join(dir, "garbage");
    writeFileSync(file, "not a key\n");
    const c = loadApiConfig({}, { devKeyFile: file });
    expect(readFileSync(file, "utf8").trim()).toBe(c.devKey!);
  });

  test("configured keys mean no development key and no file", () => {
    const file = join(dir, "unused");
    const c = loadApiConfig({ WEIR_API_KEYS: "acme:k1" }, { devKeyFile: file });
    expect([c.devKey, c.devKeyFile]).toEqual([undefined, undefined]);
  });

  test("HOST: 127.0.0.1 with a development key or when embedded, 0.0.0.0 with real keys, HOST always wins", () => {
    expect(loadApiConfig({}).host).toBe("127.0.0.1");
    expect(loadApiConfig({ WEIR_API_KEYS: "acme:k1" }).host).toBe("0.0.0.0");
    expect(loadApiConfig({ WEIR_API_KEYS: "acme:k1" }, { defaultHost: "127.0.0.1" }).host).toBe("127.0.0.1");
    expect(loadApiConfig({ HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
  });
});
