import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';

/**
 * Microsoft's REST bodies and headers as JSON Schemas (../shared/msads/rest, see its SOURCE.md),
 * loaded from the directory in MSADS_OFFICIAL_REST_SCHEMA_DIR into one strict Ajv 2020 instance.
 */

// ajv is CommonJS: under NodeNext the default import is module.exports, whose `default` is the class.
const Ajv2020 = Ajv2020Module.default;

export const REST_SCHEMA_FILES = [
  'SubmitGenerateReportRequest', 'SubmitGenerateReportResponse', 'PollGenerateReportRequest', 'PollGenerateReportResponse',
  'GetUserRequest', 'GetUserResponse', 'SearchAccountsRequest', 'SearchAccountsResponse',
  'ReportingFault', 'CustomerFault', 'ReportingHeaders', 'CustomerHeaders',
] as const;
export type RestSchemaName = (typeof REST_SCHEMA_FILES)[number];

/** The configured directory, or undefined when MSADS_OFFICIAL_REST_SCHEMA_DIR is unset. */
export function officialRestSchemaDir(): string | undefined {
  const dir = process.env.MSADS_OFFICIAL_REST_SCHEMA_DIR;
  return dir ? resolve(dir) : undefined;
}

/** Why the schemas cannot be used, or undefined when every file is there. */
export function restSchemaProblem(dir: string | undefined): string | undefined {
  if (dir === undefined) return 'MSADS_OFFICIAL_REST_SCHEMA_DIR is not set';
  const missing = REST_SCHEMA_FILES.filter((name) => !existsSync(join(dir, `${name}.schema.json`)));
  if (missing.length > 0) return `MSADS_OFFICIAL_REST_SCHEMA_DIR=${dir} lacks ${missing.map((m) => `${m}.schema.json`).join(', ')}`;
  return undefined;
}

export interface RestSchemas {
  /** Ajv's error lines for `value` against the named schema; [] when valid. */
  errors(name: RestSchemaName, value: unknown): string[];
}

export function loadRestSchemas(dir: string): RestSchemas {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const ids = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json'))) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { $id: string };
    ajv.addSchema(schema);
    ids.set(file.replace(/\.schema\.json$/, ''), schema.$id);
  }
  return {
    errors(name, value) {
      const id = ids.get(name);
      const validate = id === undefined ? undefined : ajv.getSchema(id);
      if (!validate) throw new Error(`no schema ${name} in ${dir}`);
      if (validate(value)) return [];
      return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    },
  };
}

/** Header object keyed by lower-cased name, values as strings, as the header schemas expect. */
export function headerObject(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
