// Where librdkafka comes from. Shared by the FFI loader and the install script so both agree.
// Order: LIBRDKAFKA_PATH, a system librdkafka at least MIN_VERSION, then the vendored build.
import { dlopen, FFIType } from "bun:ffi";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const VENDOR_DIR = resolve(import.meta.dir, "../../vendor/librdkafka");
/** The oldest librdkafka weir binds: older ones lack APIs the binding uses (produceva, consumer-group metadata). */
export const MIN_VERSION = 0x020a0000; // 2.10.0

export interface LibrdkafkaLocation {
  path: string;
  source: "LIBRDKAFKA_PATH" | "system" | "vendor";
  version: string;
  versionInt: number;
}

function probe(path: string): { versionInt: number; version: string } | null {
  try {
    const lib = dlopen(path, {
      rd_kafka_version: { args: [], returns: FFIType.i32 },
      rd_kafka_version_str: { args: [], returns: FFIType.cstring },
    });
    const r = { versionInt: lib.symbols.rd_kafka_version(), version: String(lib.symbols.rd_kafka_version_str()) };
    lib.close();
    return r;
  } catch {
    return null;
  }
}

const SYSTEM_CANDIDATES = [
  "/usr/local/lib/librdkafka.so.1",
  "/usr/lib/x86_64-linux-gnu/librdkafka.so.1",
  "/usr/lib/aarch64-linux-gnu/librdkafka.so.1",
  "/usr/lib/librdkafka.so.1",
  "/opt/homebrew/lib/librdkafka.dylib",
  "/usr/local/lib/librdkafka.dylib",
];

export function locateLibrdkafka(opts: { allowMissing?: boolean } = {}): LibrdkafkaLocation | null {
  const tried: string[] = [];
  const env = process.env.LIBRDKAFKA_PATH;
  if (env) {
    const p = probe(env);
    if (p) return { path: env, source: "LIBRDKAFKA_PATH", ...p };
    throw new Error(`LIBRDKAFKA_PATH=${env} could not be loaded as librdkafka`);
  }
  for (const c of SYSTEM_CANDIDATES) {
    if (!existsSync(c)) continue;
    const p = probe(c);
    tried.push(`${c} (${p ? p.version : "unloadable"})`);
    if (p && p.versionInt >= MIN_VERSION) return { path: c, source: "system", ...p };
  }
  const vendored = join(VENDOR_DIR, "lib", process.platform === "darwin" ? "librdkafka.1.dylib" : "librdkafka.so.1");
  if (existsSync(vendored)) {
    const p = probe(vendored);
    if (p) return { path: vendored, source: "vendor", ...p };
    tried.push(`${vendored} (unloadable)`);
  }
  if (opts.allowMissing) return null;
  throw new Error(
    `librdkafka >= 2.10 not found (tried: ${tried.join(", ") || "nothing"}). ` +
      `Run \`bun install\` to build the vendored copy, or set LIBRDKAFKA_PATH.`,
  );
}
