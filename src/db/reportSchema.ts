/**
 * Built-in report tables are not drizzle-kit tables any more: since migration 0009 they are made at
 * runtime by the same DDL as custom report tables (src/db/customTables.ts), only for the enabled
 * reports at migrate and any other on its first load (src/db/migrate.ts). This module exports no table
 * so that schema.ts's `export * from './reportSchema.js'` adds none to drizzle-kit's snapshot; the two
 * can go together.
 */
export {};
