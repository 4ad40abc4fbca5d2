/**
 * After the soak: no update lost. For every record an editor owned, the
 * stored values are those of its last acknowledged edit (or of a later post
 * whose response never came), the record is marked manual by the editor, and
 * the audit trail holds exactly one "update" entry per acknowledged edit, in
 * the order they were saved, each entry's "before" being the previous one's
 * "after" (a chain with no gap means no write went unrecorded or overwrote
 * another unseen).
 */
import { AUDIT_LOG, type AuditEntry } from "@stock-market/pipeline/db/audit.server";
import { getDailyPrice } from "@stock-market/pipeline/db/daily-prices.server";
import type { Db } from "mongodb";
import type { Edit, RecordKey } from "./soak-editors";
import type { Verification } from "./soak-report";

const VALUE_FIELDS = ["open", "high", "low", "close", "volume"] as const;
const same = (a: Partial<Edit["values"]> | null | undefined, b: Edit["values"]) => !!a && VALUE_FIELDS.every((f) => a[f] === b[f]);
const name = (k: RecordKey) => `${k.symbol} ${k.date}`;

export async function verifyEdits(db: Db, editor: string, keys: readonly RecordKey[], acknowledged: readonly Edit[], uncertain: readonly Edit[]): Promise<Verification> {
  const lost: string[] = [];
  const auditProblems: string[] = [];
  let auditEntries = 0;
  for (const key of keys) {
    const acked = acknowledged.filter((e) => e.symbol === key.symbol && e.date === key.date);
    const maybe = uncertain.filter((e) => e.symbol === key.symbol && e.date === key.date);
    const doc = await getDailyPrice(db, key.symbol, key.date);
    const last = acked[acked.length - 1];
    if (last && !same(doc, last.values) && !maybe.some((m) => same(doc, m.values))) {
      lost.push(`${name(key)}: stored volume ${doc?.volume ?? "(none)"}, last saved edit wrote ${last.values.volume}`);
    }
    if (last && (doc?.source !== "manual" || doc.updatedBy !== editor)) lost.push(`${name(key)}: not marked as ${editor}'s manual edit (${doc?.source}, ${doc?.updatedBy})`);

    const entries = await db.collection<AuditEntry>(AUDIT_LOG).find({ symbol: key.symbol, date: key.date, action: "update" }).sort({ at: 1, _id: 1 }).toArray();
    auditEntries += entries.length;
    const logged = entries.filter((e) => !maybe.some((m) => same(e.after, m.values)));
    for (const e of acked) {
      const n = logged.filter((l) => same(l.after, e.values)).length;
      if (n !== 1) lost.push(`${name(key)}: saved edit (volume ${e.values.volume}) has ${n} audit entries`);
    }
    for (const l of logged)
      if (!acked.some((e) => same(l.after, e.values))) auditProblems.push(`${name(key)}: audit entry ${String(l._id)} (volume ${l.after?.volume}) matches no saved edit`);
    const order = logged.map((l) => l.after?.volume).join(",");
    if (order !== acked.map((e) => e.values.volume).join(",")) auditProblems.push(`${name(key)}: audit order ${order} differs from the save order`);
    for (let i = 1; i < entries.length; i++) {
      const prev = entries[i - 1]!.after;
      const before = entries[i]!.before;
      if (!prev || !before || !same(before, prev as Edit["values"])) auditProblems.push(`${name(key)}: audit chain broken at entry ${i + 1} (before ≠ previous after)`);
    }
  }
  return { records: keys.length, acknowledged: acknowledged.length, auditEntries, lost, auditProblems };
}
