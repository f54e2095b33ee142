// Bad configuration gives clear, typed errors that name the offending key; bad usage is typed too.
import { afterAll, describe, expect, test } from "bun:test";
import { kafka } from "../../../helpers/kafka.ts";
import { ValidationError, WeirError } from "../../../../engine/errors.ts";

const t = kafka();
afterAll(async () => {
  await t.close();
});

describe("configuration errors", () => {
  test("every unknown or invalid key is reported at once, by name", () => {
    let err: unknown;
    try {
      t.producer({ config: { "linger.mss": 5, "acks": "sometimes", "compression.type": "zip" } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe("CONFIG_INVALID");
    expect(v.issues.map((i) => i.path)).toEqual(["linger.mss", "acks", "compression.type"]);
    expect(v.issues[0].message).toContain("No such configuration property");
    expect(v.message).toContain("linger.mss");
  });

  test("consumer config is validated the same way", () => {
    expect(() => t.consumer({ groupId: "g", config: { "session.timeout.ms": "soon" } })).toThrow(/session\.timeout\.ms/);
  });

  test("an inconsistent combination fails when the client is created, with a typed error", () => {
    let err: unknown;
    try {
      t.producer({ config: { "enable.idempotence": true, acks: 1 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeirError);
    expect((err as WeirError).code).toBe("CONFIG_INVALID");
    expect((err as WeirError).message).toContain("acks");
  });

  test("transaction calls on a non-transactional producer are refused", async () => {
    const p = t.producer();
    await expect(p.initTransactions()).rejects.toThrow(/transactionalId/);
    await p.close();
  });

  test("using a closed producer is a KAFKA_CLOSED error", async () => {
    const p = t.producer();
    await p.close();
    await expect(p.send([{ topic: "x", value: "y" }])).rejects.toMatchObject({ code: "KAFKA_CLOSED" });
  });
});
