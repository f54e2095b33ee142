// Runs at `bun install` (postinstall): makes sure weir can dlopen a librdkafka.
// Order: LIBRDKAFKA_PATH, a system librdkafka new enough, else build the librdkafka source
// shipped inside the @confluentinc/kafka-javascript npm tarball into vendor/librdkafka.
// Needs only Debian's -dev packages; nothing is downloaded.
import { existsSync, mkdirSync, cpSync, rmSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { locateLibrdkafka, VENDOR_DIR } from "../engine/kafka/library-path.ts";

const root = resolve(import.meta.dir, "..");
const log = (msg: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level: "info", module: "install-librdkafka", msg, ...extra }));

async function buildShim() {
  // The FFI shim is compiled against whichever librdkafka was chosen (engine/kafka/native.ts).
  const { ensureShim } = await import("../engine/kafka/native.ts");
  const lib = locateLibrdkafka()!;
  log("weir FFI shim ready", { path: ensureShim(lib), librdkafka: lib.path });
}

const found = locateLibrdkafka({ allowMissing: true });
if (found && process.env.WEIR_FORCE_LIBRDKAFKA_BUILD !== "1") {
  log("librdkafka found; no build needed", { path: found.path, source: found.source, version: found.version });
  await buildShim();
  process.exit(0);
}

const pkgDir = join(root, "node_modules/@confluentinc/kafka-javascript");
const src = join(pkgDir, "deps/librdkafka");
if (!existsSync(join(src, "configure"))) {
  console.error(JSON.stringify({ level: "error", module: "install-librdkafka", msg: "librdkafka source not found", expected: src, hint: "run bun install so @confluentinc/kafka-javascript is present, or set LIBRDKAFKA_PATH" }));
  process.exit(1);
}
const version = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).librdkafka as string;
const build = join(root, ".cache/librdkafka-build");
rmSync(build, { recursive: true, force: true });
mkdirSync(build, { recursive: true });
log("copying librdkafka source", { version, from: src });
cpSync(src, build, { recursive: true });

const jobs = String(navigator.hardwareConcurrency || 2);
async function step(name: string, cmd: string[], cwd: string) {
  const started = performance.now();
  log(`build step: ${name}`, { cmd: cmd.join(" ") });
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  // Progress: count compiled objects as they scroll by, so a 1-minute build is not silent.
  let compiled = 0;
  let tail = "";
  const reader = (async () => {
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      const text = new TextDecoder().decode(chunk);
      tail = (tail + text).slice(-4000);
      const n = (text.match(/ -c /g) || []).length;
      if (n) {
        compiled += n;
        if (compiled % 25 < n) log("compiling", { step: name, objects: compiled });
      }
    }
  })();
  const errText = new Response(proc.stderr).text();
  const code = await proc.exited;
  await reader;
  if (code !== 0) {
    console.error(tail, await errText);
    console.error(JSON.stringify({ level: "error", module: "install-librdkafka", msg: `build step failed: ${name}`, code, hint: "install: libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev" }));
    process.exit(1);
  }
  log(`done: ${name}`, { seconds: +((performance.now() - started) / 1000).toFixed(1) });
}

await step("configure", ["./configure", `--prefix=${VENDOR_DIR}`, "--disable-debug-symbols"], build);
await step("make", ["make", "-j", jobs, "-C", "src"], build);
await step("install", ["make", "-C", "src", "install"], build);
const after = locateLibrdkafka({ allowMissing: true });
if (!after) {
  console.error(JSON.stringify({ level: "error", module: "install-librdkafka", msg: "built librdkafka could not be loaded" }));
  process.exit(1);
}
log("librdkafka ready", { path: after.path, version: after.version });
await buildShim();
