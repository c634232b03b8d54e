import type { Comment } from '../db/comments.js';
import { entityCatalog } from './catalog.js';
import { BOOKKEEPING, HISTORY_COLUMNS, historyTable } from './entityTables.js';

/** COMMENT ON texts of the entity tables and their history tables, from the catalog. */
export function entityComments(): Comment[] {
  const out: Comment[] = [];
  for (const spec of entityCatalog) {
    const history = historyTable(spec);
    out.push({ table: spec.name, column: null, text: `${spec.description} Loaded from Microsoft's Bulk service; deleted entities stay with status Deleted.` });
    out.push({ table: history, column: null, text: `Every version of ${spec.name}: a change in any column closes the open version (valid_to) and opens a new one; a deletion closes it.` });
    for (const table of [spec.name, history]) {
      out.push({ table, column: 'account_id', text: 'Ad account id.' });
      for (const c of spec.columns) out.push({ table, column: c.name, text: c.description });
      for (const b of BOOKKEEPING) if (table === spec.name || b.name !== 'loaded_at') out.push({ table, column: b.name, text: b.name === 'run_id' && table === history ? 'The entity run (entity_runs.id) that opened this version.' : b.description });
    }
    for (const h of HISTORY_COLUMNS) out.push({ table: history, column: h.name, text: h.description });
  }
  return out;
}
