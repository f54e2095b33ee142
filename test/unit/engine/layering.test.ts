// The engine sits at the bottom: it defines contracts (engine/contracts/) and the layers above —
// agents/, api/, persistence/ — plug implementations into them. This pins that no engine file
// imports upward, at whatever relative depth.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "../../..");
const engine = resolve(root, "engine");
const UPPER_LAYERS = ["agents", "api", "persistence", "cli", "app"];

const KNOWN_EXCEPTIONS = new Set<string>();

/** Every import/export specifier of a module: static, dynamic and type-only. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]);
  return out;
}

/** The upper-layer folder a relative specifier in `file` lands in, if any. */
function upwardTarget(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const target = relative(root, resolve(file, "..", spec));
  const top = target.split("/")[0];
  return UPPER_LAYERS.includes(top) ? target : undefined;
}

function upwardImports(): Array<{ file: string; imports: string }> {
  const found: Array<{ file: string; imports: string }> = [];
  for (const rel of new Bun.Glob("**/*.ts").scanSync({ cwd: engine })) {
    const file = resolve(engine, rel);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      const target = upwardTarget(file, spec);
      if (target) found.push({ file: relative(root, file), imports: target });
    }
  }
  return found;
}

describe("layering", () => {
  test("the specifier scan sees static, type-only, side-effect and dynamic imports at any depth", () => {
    const file = resolve(engine, "runtime/x.ts");
    const src = `import type { A } from "../../agents/agent.ts";\nimport "../../api/app.ts";\nconst m = await import("../../persistence/store.ts");\nexport { B } from "../contracts/agent.ts";`;
    expect(specifiers(src).map((s) => upwardTarget(file, s))).toEqual(["agents/agent.ts", undefined, "api/app.ts", "persistence/store.ts"]);
  });

  test("engine/ imports nothing from agents/, api/, persistence/ or the composition root", () => {
    const offending = upwardImports().filter((i) => !KNOWN_EXCEPTIONS.has(i.file));
    expect(offending).toEqual([]);
  });

  test("every known exception still needs to be one (delete it once the file is fixed)", () => {
    const files = new Set(upwardImports().map((i) => i.file));
    expect([...KNOWN_EXCEPTIONS].filter((f) => !files.has(f))).toEqual([]);
  });
});
