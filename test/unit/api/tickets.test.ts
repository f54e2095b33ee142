// WebSocket tickets: single use, expire after their ttl, tied to the issuing tenant.
import { describe, expect, test } from "bun:test";
import { TicketStore } from "../../../api/tickets.ts";
import { ManualClock } from "../../../engine/clock.ts";

describe("TicketStore", () => {
  test("a ticket redeems once, for its tenant", () => {
    const store = new TicketStore(new ManualClock(0), 60_000);
    const t = store.issue("acme");
    expect(t).toEqual({ ticket: expect.stringMatching(/^wt_[\w-]{32}$/), tenant: "acme", expiresAt: 60_000 });
    expect(store.redeem(t.ticket)).toBe("acme");
    expect(store.redeem(t.ticket)).toBeUndefined();
    expect(store.redeem("wt_made_up")).toBeUndefined();
  });

  test("an expired ticket is refused", async () => {
    const clock = new ManualClock(0);
    const store = new TicketStore(clock, 60_000);
    const t = store.issue("acme");
    await clock.advance(60_000);
    expect(store.redeem(t.ticket)).toBeUndefined();
  });
});
