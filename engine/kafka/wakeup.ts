// Wakes the JS thread when a librdkafka queue goes from empty to non-empty, without any
// librdkafka thread calling into JS: librdkafka writes a byte to a pipe
// (rd_kafka_queue_io_event_enable) and Bun reads that pipe asynchronously on its event loop.
// Falls back to a short timer where a pipe cannot be made.
import { dlopen, FFIType } from "bun:ffi";
import { rdk, type Ptr } from "./native.ts";

let libc: { pipe2(fds: Int32Array, flags: number): number; close(fd: number): number } | null | undefined;
function getLibc() {
  if (libc !== undefined) return libc;
  try {
    const h = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
      pipe2: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
      close: { args: [FFIType.i32], returns: FFIType.i32 },
    });
    libc = { pipe2: (f, fl) => h.symbols.pipe2(f, fl), close: (fd) => h.symbols.close(fd) };
  } catch {
    libc = null;
  }
  return libc;
}

const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const PAYLOAD = new Uint8Array([1]);

export class QueueWakeup {
  private signaled = false;
  private waiter: (() => void) | null = null;
  private readonly fds = new Int32Array(2);
  private enabled = false;
  private stopped = false;

  private readonly queues: Ptr[];

  /** Several queues may share one pipe: each signals it on its own when it stops being empty. */
  constructor(queue: Ptr | Ptr[]) {
    this.queues = Array.isArray(queue) ? queue : [queue];
    const c = getLibc();
    if (!c || c.pipe2(this.fds, O_NONBLOCK | O_CLOEXEC) !== 0) return;
    for (const q of this.queues) rdk().rd_kafka_queue_io_event_enable(q, this.fds[1], PAYLOAD, 1);
    this.enabled = true;
    void this.read();
  }

  private async read() {
    try {
      for await (const _chunk of Bun.file(this.fds[0]).stream()) {
        if (this.stopped) break;
        this.signal();
      }
    } catch {
      /* the pipe was closed */
    }
  }

  /** Marks the queue as possibly non-empty and wakes a waiter. */
  signal(): void {
    this.signaled = true;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Resolves when librdkafka signals new events, or after `timeoutMs` at the latest. */
  wait(timeoutMs: number): Promise<void> {
    if (this.signaled || timeoutMs <= 0) {
      this.signaled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      // Without a pipe, poll every few milliseconds.
      const t = setTimeout(done, this.enabled ? timeoutMs : Math.min(timeoutMs, 4));
      const self = this;
      function done() {
        clearTimeout(t);
        if (self.waiter === done) self.waiter = null;
        self.signaled = false;
        resolve();
      }
      this.waiter = done;
    });
  }

  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.signal();
    if (!this.enabled) return;
    for (const q of this.queues) rdk().rd_kafka_queue_io_event_enable(q, -1, null, 0);
    const c = getLibc()!;
    c.close(this.fds[1]);
    c.close(this.fds[0]);
  }
}
