// What a tenant name and an id (message id, conversationId) may look like, everywhere: the API checks
// them at every entry and the support message schema on every record. Ids key actor state,
// partitions, rows and URLs and are never scanned for personal data, so they must not carry any:
// no "@" (an email address as an id would travel unredacted), no spaces, no control characters.
// A tenant name may not contain ":" or NUL either, so a `tenant:id` join made downstream is unambiguous.

/** 1–64 characters: letters, digits, `_` and `-`, starting with a letter or digit. */
export const TENANT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
/** 1–128 characters: letters, digits and `. _ : -`, starting with a letter or digit. */
export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";
export const TENANT_RULE = "1–64 letters, digits, '_' or '-', starting with a letter or digit";
export const ID_RULE = "1–128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (never personal data)";
