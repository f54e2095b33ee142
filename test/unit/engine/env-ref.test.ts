// `env:NAME` values resolve from the given environment; anything else is a literal.
import { describe, expect, test } from "bun:test";
import { envRefName, resolveEnvRef } from "../../../engine/env-ref.ts";

describe("resolveEnvRef", () => {
  const env = { ELASTICSEARCH_URL: "http://es:9200", EMPTY: "" };
  test("env:NAME reads the variable; unset and empty are undefined", () => {
    expect([resolveEnvRef("env:ELASTICSEARCH_URL", env), resolveEnvRef("env:MISSING", env), resolveEnvRef("env:EMPTY", env)]).toEqual(["http://es:9200", undefined, undefined]);
  });
  test("literal values and undefined pass through", () => {
    expect([resolveEnvRef("http://localhost:9200", env), resolveEnvRef(undefined, env)]).toEqual(["http://localhost:9200", undefined]);
  });
  test("envRefName names the variable of a reference only", () => {
    expect([envRefName("env:QDRANT_URL"), envRefName("http://q"), envRefName(undefined)]).toEqual(["QDRANT_URL", undefined, undefined]);
  });
});
