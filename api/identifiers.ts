// What a tenant name and an id (conversationId, message id) may look like, checked at every entry:
// HTTP bodies, path params, JWT claims, API-key configuration and WebSocket paths. Neither may
// contain NUL or other control characters, and a tenant name may not contain ":" either, so
// any `tenant:id` or `tenant\0id` join made downstream is unambiguous. Topic names and keys built
// in the API still encode the pair (JSON) rather than rely on that.
import { Type } from "@sinclair/typebox";

import { ID_PATTERN, ID_RULE, TENANT_PATTERN } from "../engine/contracts/identifiers.ts";

export { ID_PATTERN, ID_RULE, TENANT_PATTERN, TENANT_RULE } from "../engine/contracts/identifiers.ts";

const tenantRe = new RegExp(TENANT_PATTERN);
const idRe = new RegExp(ID_PATTERN);

export const isTenant = (s: unknown): s is string => typeof s === "string" && tenantRe.test(s);
export const isId = (s: unknown): s is string => typeof s === "string" && idRe.test(s);

/** TypeBox schema for an id field; `rule` is what validation errors say instead of the pattern. */
export const IdString = (description: string) => Type.String({ minLength: 1, maxLength: 128, pattern: ID_PATTERN, rule: ID_RULE, description });
