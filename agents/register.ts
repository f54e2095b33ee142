// What weir's own agents plug into the engine besides their definitions: the named source schemas
// (`schema: SupportMessage`) and rollup folds (`rollup: { fold: support }`). The composition root,
// the test setup and the benches call it once, before any pipeline is built.
import { registerRollupFold } from "../engine/aggregator/rollup.ts";
import { registerSchemas } from "../engine/schemas/registry.ts";
import { ROLLUP_FOLDS } from "./rollup.ts";
import { SOURCE_SCHEMAS } from "./schemas.ts";

export function registerBuiltIns(): void {
  registerSchemas(SOURCE_SCHEMAS);
  for (const [name, fold] of Object.entries(ROLLUP_FOLDS)) registerRollupFold(name, fold);
}
