// One actor per key, each with a mailbox: messages for a key run strictly in order, keys run
// concurrently up to `concurrency`. Idle actors are dropped (their state lives in the state
// store), so memory follows the number of active keys, not every key ever seen.
import { waitUntil } from "../wait.ts";

export interface ActorSystemOptions {
  /** Keys processing at the same time. */
  concurrency: number;
}

interface Mailbox {
  queue: Array<() => Promise<void>>;
  running: boolean;
}

export class ActorSystem {
  private readonly boxes = new Map<string, Mailbox>();
  // A FIFO of keys whose mailbox has work and no job running; `head` avoids Array#shift, which
  // moves every element (thousands of keys under load).
  private ready: string[] = [];
  private head = 0;
  private running = 0;
  private queued = 0;

  constructor(private readonly opts: ActorSystemOptions) {}

  /** Queues `work` on the key's mailbox; resolves or rejects with its result. A failure never blocks the mailbox. */
  tell<T>(key: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let box = this.boxes.get(key);
      if (!box) this.boxes.set(key, (box = { queue: [], running: false }));
      box.queue.push(() => work().then(resolve, reject));
      this.queued++;
      if (!box.running && box.queue.length === 1) this.ready.push(key);
      this.pump();
    });
  }

  private pump() {
    while (this.running < this.opts.concurrency && this.head < this.ready.length) {
      const key = this.ready[this.head++];
      if (this.head === this.ready.length) {
        this.ready = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.head);
        this.head = 0;
      }
      const box = this.boxes.get(key)!;
      const job = box.queue.shift()!;
      box.running = true;
      this.running++;
      this.queued--;
      job().finally(() => {
        box.running = false;
        this.running--;
        if (box.queue.length) this.ready.push(key);
        else this.boxes.delete(key);
        this.pump();
      });
    }
  }

  /** Messages waiting in mailboxes (not yet running). */
  depth(): number {
    return this.queued;
  }
  active(): number {
    return this.running;
  }
  actors(): number {
    return this.boxes.size;
  }
  /** Resolves when every mailbox is empty and nothing runs. */
  async idle(): Promise<void> {
    await waitUntil(() => !this.running && !this.queued, { intervalMs: 1 });
  }
}
