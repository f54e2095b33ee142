// The one wrapper every per-record operator runs its logic in, like RxJS's OperatorSubscriber: the
// step is called inside try/catch, and a record it throws on goes to `onError` (the runtime
// dead-letters it) while the stream flows on. A step returns what continues — the record, a new
// one, several (each a branch of the input, so its offset commits once all are done), or null to
// drop it (its branch is released). Emitting happens outside the try, so a failure further down is
// never blamed on this operator.
import { Observable, type OperatorFunction } from "rxjs";
import { WeirError } from "../errors.ts";
import type { Envelope } from "../runtime/envelope.ts";

export type OnRecordError = (env: Envelope, err: WeirError) => void;

export type Step = (env: Envelope) => Envelope | readonly Envelope[] | null;

export function eachRecord(step: Step, onError?: OnRecordError): OperatorFunction<Envelope, Envelope> {
  return (source) =>
    new Observable<Envelope>((sub) =>
      source.subscribe({
        next(env) {
          let out: ReturnType<Step>;
          try {
            out = step(env);
          } catch (e) {
            if (!onError) return sub.error(e);
            onError(env, e instanceof WeirError ? e : new WeirError("OPERATOR_FAILED", (e as Error)?.message ?? String(e)));
            return;
          }
          if (out === null) return env.release();
          if (!Array.isArray(out)) return sub.next(out as Envelope);
          if (!out.length) return env.release();
          env.fork(out.length - 1);
          for (const e of out) sub.next(e);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      }),
    );
}
