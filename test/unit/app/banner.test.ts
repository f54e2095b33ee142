// The start-up banner: what a person needs on one screen (what runs, where, the key, links), and
// for a machine one JSON "ready" line without the key.
import { describe, expect, test } from "bun:test";
import { announce, bannerText } from "../../../app/banner.ts";
import type { Logger } from "../../../engine/log.ts";

const facts = { topology: "support-intelligence", stages: ["fast", "llm"], embedded: true, transport: "in-process", store: "memory" as const, url: "http://127.0.0.1:3000/", devKey: "dev_abcdefghijklmnopqrstuv", devKeyFile: "/repo/.weir/dev-key" };

describe("banner", () => {
  test("on a terminal: what runs, where, the key and links ready to click", () => {
    const out: string[] = [];
    announce(facts, {} as Logger, true, (s) => out.push(s));
    const text = out.join("\n");
    expect(text).toBe(bannerText(facts));
    for (const want of [
      "weir is running support-intelligence (stages: fast, llm)",
      "key        dev_abcdefghijklmnopqrstuv   (development only; kept in /repo/.weir/dev-key)",
      "dashboard  http://127.0.0.1:3000/dashboard#key=dev_abcdefghijklmnopqrstuv",
      "API docs   http://127.0.0.1:3000/docs",
      "health     http://127.0.0.1:3000/health",
    ])
      expect(text).toContain(want);
    expect(text.split("\n").length).toBeLessThan(16);
  });

  test("not a terminal: one ready line with the links and the key's file, never the key", () => {
    const logged: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = { info: (m: string, f?: Record<string, unknown>) => logged.push([m, f]) } as unknown as Logger;
    announce(facts, log, false, () => {
      throw new Error("no banner text when not a terminal");
    });
    expect(logged).toEqual([
      ["ready", { topology: "support-intelligence", stages: ["fast", "llm"], embedded: true, store: "memory", url: "http://127.0.0.1:3000/", dashboard: "http://127.0.0.1:3000/dashboard", docs: "http://127.0.0.1:3000/docs", devKeyFile: "/repo/.weir/dev-key" }],
    ]);
    expect(JSON.stringify(logged)).not.toContain("dev_abcdefghijklmnopqrstuv");
  });
});
