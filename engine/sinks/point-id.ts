// Qdrant point ids must be UUIDs or integers. The id is derived from (tenant, message id) as a
// name-based UUID (v5 layout over SHA-1), so a replay upserts the same point instead of adding one.
import { createHash } from "node:crypto";

/** Deterministic UUID (version 5 layout) for a tenant's message id. */
export function pointId(tenant: string, messageId: string): string {
  const h = createHash("sha1").update(`weir:${tenant}\u0000${messageId}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
