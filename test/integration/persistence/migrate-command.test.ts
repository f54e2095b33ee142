import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { tempSchema } from "./pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
beforeAll(async () => {
  db = await tempSchema("cli");
});
afterAll(async () => db.drop());

const weir = join(import.meta.dir, "../../../cli/weir.ts");
async function run(...args: string[]) {
  const p = Bun.spawn(["bun", weir, "migrate", "--url", db.url, "--schema", db.schema, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
  return { out, code };
}

test("weir migrate applies pending migrations once, then nothing; --list shows them applied", async () => {
  const first = await run();
  expect(first.code).toBe(0);
  expect(first.out).toContain("applied 0001_core");
  const second = await run();
  expect(second.code).toBe(0);
  expect(second.out).toMatch(/ok: 0 applied/);
  const list = await run("--list");
  expect(list.out).toContain("applied 0001_core");
  expect(list.out).not.toContain("pending");
}, 30_000);

test("an unreachable database exits 4", async () => {
  const p = Bun.spawn(["bun", weir, "migrate", "--url", "postgres://postgres@127.0.0.1:1/none"], { stdout: "pipe", stderr: "pipe" });
  expect(await p.exited).toBe(4);
}, 30_000);
