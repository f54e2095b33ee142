// Where actor state goes when a store holds more keys than it may keep in memory: SQLite's private
// temporary database (bun:sqlite, empty file name), which lives on disk, keeps only a small page
// cache in memory and is deleted when the process ends, even on a crash. The changelog stays the
// source of truth: this file only spares memory and is never read at start-up.
import { Database, type Statement } from "bun:sqlite";

export class SpillFile {
  private readonly db: Database;
  private readonly getQ: Statement<{ v: string }, [number, string]>;
  private readonly putQ: Statement<unknown, [number, string, string]>;
  private readonly delQ: Statement<unknown, [number, string]>;
  private readonly dropQ: Statement<unknown, [number]>;
  private readonly countQ: Statement<{ n: number }, [number]>;
  private readonly listQ: Statement<{ k: string; v: string }, [number]>;
  private readonly putMany: (rows: Array<[number, string, string]>) => void;

  constructor(cacheKiB = 4096) {
    this.db = new Database("");
    this.db.exec(`PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE; PRAGMA cache_size=-${cacheKiB};
      CREATE TABLE state (p INTEGER NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, PRIMARY KEY (p, k)) WITHOUT ROWID`);
    this.getQ = this.db.prepare("SELECT v FROM state WHERE p = ? AND k = ?");
    this.putQ = this.db.prepare("INSERT OR REPLACE INTO state (p, k, v) VALUES (?, ?, ?)");
    this.delQ = this.db.prepare("DELETE FROM state WHERE p = ? AND k = ?");
    this.dropQ = this.db.prepare("DELETE FROM state WHERE p = ?");
    this.countQ = this.db.prepare("SELECT count(*) AS n FROM state WHERE p = ?");
    this.listQ = this.db.prepare("SELECT k, v FROM state WHERE p = ?");
    this.putMany = this.db.transaction((rows: Array<[number, string, string]>) => {
      for (const r of rows) this.putQ.run(...r);
    });
  }

  /** The JSON of a key's state, if spilled. */
  get(partition: number, key: string): string | undefined {
    return this.getQ.get(partition, key)?.v;
  }
  /** Writes many keys in one transaction. */
  write(rows: Array<[partition: number, key: string, json: string]>): void {
    if (rows.length) this.putMany(rows);
  }
  /** Whether the key was there. */
  delete(partition: number, key: string): boolean {
    return this.delQ.run(partition, key).changes > 0;
  }
  /** Every spilled key of a partition with its JSON (read once, at restore). */
  entries(partition: number): Array<[string, string]> {
    return this.listQ.all(partition).map((r) => [r.k, r.v]);
  }
  dropPartition(partition: number): void {
    this.dropQ.run(partition);
  }
  count(partition: number): number {
    return this.countQ.get(partition)?.n ?? 0;
  }
  close(): void {
    this.db.close();
  }
}
