// Short-lived, single-use tickets for clients that cannot send an Authorization header (browsers
// opening a WebSocket, the dashboard). POST /v1/ws-ticket with header auth returns one; it opens
// one WebSocket within `ttlMs` and is then gone, so a ticket that ends up in an access log or
// browser history is worthless. Held in this process: with several API instances a client must
// open the socket on the instance that issued the ticket (docs/security.md).
import { randomBytes } from "node:crypto";
import type { Clock } from "../engine/clock.ts";

export interface Ticket {
  ticket: string;
  tenant: string;
  expiresAt: number;
}

const MAX_OUTSTANDING = 100_000;

export class TicketStore {
  private readonly tickets = new Map<string, { tenant: string; expiresAt: number }>();
  constructor(private readonly clock: Clock, readonly ttlMs = 60_000) {}

  /** Issues a ticket for `tenant`. */
  issue(tenant: string): Ticket {
    this.sweep();
    const ticket = `wt_${randomBytes(24).toString("base64url")}`;
    const expiresAt = this.clock.now() + this.ttlMs;
    this.tickets.set(ticket, { tenant, expiresAt });
    return { ticket, tenant, expiresAt };
  }

  /** The ticket's tenant if it is known and unexpired; the ticket is used up either way. */
  redeem(ticket: string): string | undefined {
    const t = this.tickets.get(ticket);
    if (!t) return undefined;
    this.tickets.delete(ticket);
    return t.expiresAt > this.clock.now() ? t.tenant : undefined;
  }

  /** Drops expired tickets (insertion order is expiry order, since the ttl is fixed). */
  private sweep() {
    const now = this.clock.now();
    for (const [k, t] of this.tickets) {
      if (t.expiresAt > now && this.tickets.size < MAX_OUTSTANDING) break;
      this.tickets.delete(k);
    }
  }
}
