import { redactUrl } from '../app/redis.js';
import { ConfigError, envSchema, loadConfig, SECRET_VARIABLES, type EnvFileOutcome } from '../config.js';

/**
 * The effective configuration for `msads-etl config`: every variable of the schema with its value
 * and where it came from. Secrets never leave this module: a secret variable's value is replaced by
 * "[redacted]" and a URL's password by "***" before anything is returned, so no printer can leak one.
 */

export type ConfigSource = 'env' | '.env' | 'default' | 'unset';

export interface ConfigEntry {
  name: string;
  /** As given (or the default), redacted; null when unset without a default. */
  value: string | null;
  source: ConfigSource;
  secret: boolean;
  /** Set in .env too, but the environment's value won. */
  shadowsEnvFile: boolean;
}

export interface ConfigView {
  envFile: EnvFileOutcome;
  entries: ConfigEntry[];
  /** Every invalid variable, as loadConfig reports it; empty when the configuration is valid. */
  problems: string[];
  /** Valid settings that are probably not what was meant (loadConfig's warnings). */
  warnings: string[];
}

const secretNames: ReadonlySet<string> = new Set(SECRET_VARIABLES);

/** A value fit to print: secrets hidden whole, passwords in URLs masked. */
export function redactValue(name: string, value: string): string {
  if (secretNames.has(name)) return '[redacted]';
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i.test(value) ? redactUrl(value) : value;
}

function defaultText(value: unknown): string | null {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(',');
  return String(value);
}

/**
 * `env` is the environment after the .env file was loaded; `envFile` says which variables came from
 * the file. A variable set to the empty string counts as unset, as the schema treats it.
 */
export function describeConfig(env: Readonly<Record<string, string | undefined>>, envFile: EnvFileOutcome): ConfigView {
  const fromFile = new Set(envFile.fromFile);
  const shadowed = new Set(envFile.shadowed);
  const entries: ConfigEntry[] = Object.entries(envSchema.shape).map(([name, schema]) => {
    const raw = env[name];
    const secret = secretNames.has(name);
    if (raw !== undefined && raw.trim() !== '') {
      return { name, value: redactValue(name, raw.trim()), source: fromFile.has(name) ? '.env' : 'env', secret, shadowsEnvFile: shadowed.has(name) };
    }
    const parsed = schema.safeParse(undefined);
    const value = parsed.success ? defaultText(parsed.data) : null;
    return { name, value: value === null ? null : redactValue(name, value), source: value === null ? 'unset' : 'default', secret, shadowsEnvFile: false };
  });
  try {
    return { envFile, entries, problems: [], warnings: loadConfig({ ...env }).warnings };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // "Invalid configuration:\n  NAME: problem" — one problem a line, each naming its variable.
    return { envFile, entries, problems: err.message.split('\n').slice(1).map((l) => l.trim()).filter(Boolean), warnings: [] };
  }
}
