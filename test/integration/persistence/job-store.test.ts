// The PostgreSQL JobStore (migration 0200_generation.sql) against the JobStore contract, in a schema of its own.
import { afterAll, beforeAll, describe } from "bun:test";
import { PgJobStore } from "../../../persistence/job-store.ts";
import { jobStoreContract } from "../../helpers/job-store-contract.ts";
import { tempSchema } from "./pg-schema.ts";

let db: Awaited<ReturnType<typeof tempSchema>>;
let store: PgJobStore;
beforeAll(async () => {
  db = await tempSchema("jobs");
  store = new PgJobStore(() => db.sql);
  await store.prepare();
});
afterAll(() => db.drop());

describe("PgJobStore", () => jobStoreContract(async () => store));
