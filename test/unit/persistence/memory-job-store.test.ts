// The in-memory JobStore (embedded mode) against the JobStore contract.
import { describe } from "bun:test";
import { MemoryJobStore } from "../../../persistence/memory-job-store.ts";
import { jobStoreContract } from "../../helpers/job-store-contract.ts";

describe("MemoryJobStore", () => jobStoreContract(async () => new MemoryJobStore()));
