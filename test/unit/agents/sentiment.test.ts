// The offline sentiment scorer on the cases a new user tries first: sarcasm and contrast lower the
// confidence instead of flipping it with certainty, calm problem reports stay neutral, missing
// refunds and replies are complaints, and politeness alone is not praise.
import { describe, expect, test } from "bun:test";
import { scoreText, SENTIMENT_THRESHOLD } from "../../../agents/sentiment.ts";

const label = (t: string) => {
  const { score } = scoreText(t);
  return score > SENTIMENT_THRESHOLD ? "positive" : score < -SENTIMENT_THRESHOLD ? "negative" : "neutral";
};

describe("sentiment scorer", () => {
  test("sarcasm reads as negative, with low confidence", () => {
    for (const t of ["Oh wonderful, the app crashed again… Just perfect.", "Oh sure, \"arriving tomorrow\" for the fifth day in a row. Love that for me.", "Thanks for nothing. Still no refund."]) {
      expect(label(t)).toBe("negative");
      expect(scoreText(t).confidence).toBeLessThanOrEqual(0.6);
    }
  });

  test("contrast: the clause after 'but' decides, and the confidence drops", () => {
    const r = scoreText("I don't hate the new design, but it is confusing and slow");
    expect(r.score).toBeLessThan(-SENTIMENT_THRESHOLD);
    expect(r.confidence).toBeLessThan(0.9);
    expect(label("The agent was nice but the app is still broken")).toBe("negative");
    expect(label("It was slow but it works now, thanks so much")).toBe("positive");
  });

  test("a calm question about a problem is neutral; the same problem with feeling is negative", () => {
    expect(label("The export fails with a timeout. Is there a workaround?")).toBe("neutral");
    expect(label("Could you tell me how long refunds usually take?")).toBe("neutral");
    const angry = scoreText("The export fails with a timeout and I've lost a day of work. This is ridiculous!");
    expect(angry.score).toBeLessThan(-0.7);
    expect(angry.confidence).toBeGreaterThanOrEqual(0.9);
  });

  test("what the customer waits for, missing, is a complaint", () => {
    expect(label("Still no refund.")).toBe("negative");
    expect(label("Three weeks and no reply from anyone.")).toBe("negative");
  });

  test("politeness and wishes are not praise", () => {
    expect(label("Thanks, received.")).toBe("neutral");
    expect(label("It would be great if you added dark mode")).toBe("neutral");
    expect(label("Please cancel my subscription at the end of the month. Thanks.")).toBe("neutral");
  });

  test("negation, intensity, emphasis, emoji", () => {
    expect(scoreText("not good").score).toBeLessThan(0);
    expect(label("not bad at all")).toBe("positive");
    expect(scoreText("very good").score).toBeGreaterThan(scoreText("good").score);
    expect(label("THIS IS STILL NOT WORKING")).toBe("negative");
    expect(label("😡😡")).toBe("negative");
    expect(label("works perfectly 🎉")).toBe("positive");
    expect(label("I don't have time for this, it breaks every single week")).toBe("negative");
  });

  test("quoted text and signatures do not count", () => {
    expect(label("> This is terrible, still broken!!\nThanks, that fixed it. Works now!")).toBe("positive");
    expect(label("When will order 4411 ship?\n\nKind regards,\nLove Andersson")).toBe("neutral");
  });

  test("empty text is neutral", () => {
    expect(scoreText("")).toEqual({ score: 0, confidence: 0.6 });
    expect(scoreText("   \n ").score).toBe(0);
  });
});
