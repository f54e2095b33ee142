// The named-schema registry the composition root fills and the pipeline reads.
import { afterEach, describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { SupportMessage } from "../../../../agents/message.ts";
import { namedSchema, registerSchema, schemaNames, unregisterSchema } from "../../../../engine/schemas/registry.ts";

const Ticket = Type.Object({ id: Type.String() }, { $id: "Ticket" });

describe("schema registry", () => {
  afterEach(() => unregisterSchema("Ticket"));
  test("the test preload registered the application's schemas, as the composition root does", () => {
    expect(namedSchema("SupportMessage")).toBe(SupportMessage);
  });
  test("a registered schema is found by name; an unknown name is undefined", () => {
    registerSchema("Ticket", Ticket);
    expect(namedSchema("Ticket")).toBe(Ticket);
    expect(namedSchema("Nope")).toBeUndefined();
    expect(schemaNames()).toContain("Ticket");
  });
  test("registering the same schema twice is fine; a different one under a taken name is CONFIG_INVALID", () => {
    registerSchema("Ticket", Ticket);
    registerSchema("Ticket", Ticket);
    expect(() => registerSchema("Ticket", Type.Object({}))).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
  });
});
