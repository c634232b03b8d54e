import { RequestValidationError } from '../errors.js';
import { reports, type ReportDefinition } from './catalog.js';

/**
 * The reports this process knows: the built-in catalog plus the custom reports of its configuration.
 * Passed to whatever needs to resolve a report name (runs, CLI, migrate), so names are checked against
 * the running configuration rather than a compile-time list.
 */
export interface ReportRegistry {
  /** The report of that name; throws a RequestValidationError naming the known reports otherwise. */
  get(name: string): ReportDefinition;
  find(name: string): ReportDefinition | undefined;
  all(): readonly ReportDefinition[];
  custom(): readonly ReportDefinition[];
}

export function createReportRegistry(custom: readonly ReportDefinition[] = []): ReportRegistry {
  const byName = new Map<string, ReportDefinition>(Object.values(reports).map((r) => [r.name, r]));
  for (const def of custom) {
    if (byName.has(def.name)) throw new Error(`custom report "${def.name}" has the name of another report`);
    byName.set(def.name, def);
  }
  const all = [...byName.values()];
  return {
    get(name) {
      const def = byName.get(name);
      if (!def) throw new RequestValidationError(`unknown report "${name}"; known reports: ${[...byName.keys()].join(', ')}`);
      return def;
    },
    find: (name) => byName.get(name),
    all: () => all,
    custom: () => custom,
  };
}

/** Built-in reports only: for code paths that never see a configuration (tests, benchmarks). */
export const builtinRegistry: ReportRegistry = createReportRegistry();
