// The pieces of a generation job's checks: SimHash near-duplicates, the quality filter's reasons,
// the output-schema subset, counterfactual swaps, and request resolution against the templates.
import { describe, expect, test } from "bun:test";
import { counterfactual, swapGender } from "../../../../agents/generation/augment.ts";
import { resolveJob, type ResolvedJob } from "../../../../agents/generation/job-request.ts";
import { toTypeBox } from "../../../../agents/generation/output-schema.ts";
import { checkQuality } from "../../../../agents/generation/quality.ts";
import { hamming, nearDuplicate, simhash } from "../../../../agents/generation/simhash.ts";
import { templates } from "../../../../agents/generation/templates.ts";
import { Value } from "@sinclair/typebox/value";

const review = "I have used the mobile banking app for six months and it has been reliable. The dashboard is clear and support answered within minutes. I would recommend it to my family.";

describe("simhash", () => {
  test("copies differing in case, punctuation or spacing are distance 0; another text is far", () => {
    expect(hamming(simhash(review), simhash(review))).toBe(0);
    expect(hamming(simhash(review), simhash(review.toUpperCase().replace(/\./g, "!").replace(/ /g, "  ")))).toBe(0);
    // One word changed in a 30-word text moves 3 of 28 shingles: about 10 bits, above the threshold (docs/generation.md).
    expect(hamming(simhash(review), simhash(review.replace("six", "seven")))).toBeGreaterThan(3);
    expect(hamming(simhash(review), simhash("The parcel arrived late and the box was crushed; nobody at the depot picked up the phone all week."))).toBeGreaterThan(10);
  });
  test("nearDuplicate finds a signature within the threshold, or nothing", () => {
    const a = simhash(review);
    expect(nearDuplicate(a, [])).toBeUndefined();
    expect(nearDuplicate(a, [simhash("Completely unrelated words about gardening tomatoes in spring rain"), a])).toBe(a);
  });
});

describe("quality filter", () => {
  const { job } = resolveJob({ template: "product-reviews", variables: { product: "app" }, count: 5, bannedTerms: ["crypto wallet"], sentiment: "positive" }, templates());
  const j = job as ResolvedJob;
  test("accepts a good sample and returns its signature", async () => {
    expect(await checkQuality(review, j, [])).toEqual({ ok: true, signature: simhash(review) });
  });
  test("refuses with the reason: length, language, banned term, near-duplicate, sentiment", async () => {
    const reasons = await Promise.all([
      checkQuality("Too short.", j, []),
      checkQuality("x".repeat(2000), j, []),
      checkQuality("Ich habe diese App seit sechs Monaten benutzt und sie war immer zuverlässig und schnell, danke schön.", j, []),
      checkQuality(`${review} It beats my old crypto wallet.`, j, []),
      checkQuality(review, j, [simhash(review)]),
      checkQuality("I have used the app for six months and it has been terrible. The login fails constantly and support never answered. I am very disappointed.", j, []),
    ]);
    expect(reasons.map((r) => r.reason)).toEqual([
      "too short (10 < 60 characters)",
      "too long (2000 > 1500 characters)",
      "not in the requested language (en)",
      'banned term "crypto wallet"',
      "near-duplicate of an accepted sample",
      "sentiment negative, wanted positive",
    ]);
  });
});

describe("output schema subset", () => {
  test("converts objects of typed, bounded fields; required ones stay required", () => {
    const { schema, issues } = toTypeBox({ type: "object", required: ["q"], properties: { q: { type: "string", minLength: 3 }, n: { type: "integer", maximum: 5 }, tags: { type: "array", items: { enum: ["a", "b"] } } } });
    expect(issues).toEqual([]);
    expect(Value.Check(schema!, { q: "why?", n: 5, tags: ["a"] })).toBe(true);
    expect(Value.Check(schema!, { n: 1 })).toBe(false);
    expect(Value.Check(schema!, { q: "why?", tags: ["c"] })).toBe(false);
  });
  test("anything else is refused with the field and the reason", () => {
    expect(toTypeBox({ type: "array" }).issues).toEqual([{ path: "/schema", message: 'must be {"type": "object", "properties": {...}}' }]);
    expect(toTypeBox({ type: "object", required: ["x"], properties: { a: { type: "date" } } }).issues).toEqual([
      { path: "/schema/properties/a/type", message: "must be one of: string, number, integer, boolean, array (or use enum)" },
      { path: "/schema/required", message: 'names "x", which is not a property' },
    ]);
  });
});

describe("request resolution", () => {
  test("fills the template's defaults and ceilings", () => {
    const { job } = resolveJob({ template: "product-reviews", variables: { product: "app" }, count: 20 }, templates());
    expect(job).toMatchObject({ template: "product-reviews", templateVersion: 1, variables: { product: "app", audience: "everyday customers" }, count: 20, batchSize: 10, maxReasks: 1, maxAttempts: 150, minLength: 60, maxLength: 1500 });
  });
  test("unknown template, unknown version, missing and unknown variables, bad schema, crossed bounds", () => {
    const r = (body: Record<string, unknown>) => resolveJob({ count: 1, ...body } as never, templates()).issues;
    expect(r({ template: "nope" })[0]).toMatchObject({ path: "/template" });
    expect(r({ template: "faq-entries", templateVersion: 9 })).toEqual([{ path: "/templateVersion", message: "is not a known template (versions: 1)" }]);
    expect(r({ template: "faq-entries", variables: { colour: "red" }, schema: { type: "object", properties: {} }, minLength: 10, maxLength: 5 }).map((i) => i.path)).toEqual(["/variables/product", "/variables/colour", "/schema/properties", "/minLength"]);
  });
});

describe("counterfactual augmentation", () => {
  test("swaps gendered words and names, keeping case; labels what it swapped", () => {
    expect(swapGender("He told his sister Mary.")).toEqual({ text: "She told her brother John.", swaps: ["he→she", "his→her", "sister→brother", "mary→john"] });
    expect(counterfactual({ body: "My dad loves it", rating: 5 })).toEqual({ data: { body: "My mum loves it", rating: 5 }, swaps: ["dad→mum"] });
    expect(counterfactual({ body: "It works well", rating: 4 })).toBeUndefined();
  });
});
