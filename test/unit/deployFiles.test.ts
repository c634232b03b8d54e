import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../src/config.js';
import { projectRoot } from '../../src/paths.js';

/**
 * No Docker engine runs where the tests run, so the deployment files are checked by reading them: the
 * compose file parses (with its YAML merge keys), has the services and wiring the README promises, names
 * only real configuration variables, and the image carries what the code reads at run time.
 */

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  container_name?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  env_file?: { path: string; required: boolean }[];
}

const compose = parse(readFileSync(resolve(projectRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const APP = ['migrate', 'worker', 'scheduler', 'dashboard'] as const;

describe('docker-compose.yml', () => {
  it('has postgres, redis, a one-shot migrate, the worker, the scheduler and the dashboard', () => {
    // Prometheus and Grafana are optional (profile observability; test/ops/shippedDashboards.test.ts).
    const always = Object.keys(services).filter((name) => (services[name] as { profiles?: string[] }).profiles === undefined);
    expect(always.sort()).toEqual(['dashboard', 'migrate', 'postgres', 'redis', 'scheduler', 'worker']);
    for (const name of APP) {
      // Node's own flags (the worker's heap limit) come before the script.
      expect(services[name]!.command!.filter((a) => !a.startsWith('--max-old-space-size=')).slice(0, 3), name).toEqual(['node', 'bin/msads-etl.js', name]);
      expect(services[name]!.build, name).toBe('.');
      expect(services[name]!.env_file, name).toEqual([{ path: '.env', required: false }]);
      expect(services[name]!.environment, name).toMatchObject({ DATABASE_URL: 'postgres://postgres@postgres:5432/msads', REDIS_URL: 'redis://redis:6379' });
    }
    // Without a limit V8 may let the worker's heap grow to a quarter of the host before collecting.
    expect(services['worker']!.command).toContain('--max-old-space-size=192');
    expect(services['migrate']!.restart).toBe('no');
    expect(services['migrate']!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('starts the long-running services after migrate succeeded and Redis is healthy, each with a health check', () => {
    for (const name of ['worker', 'scheduler', 'dashboard']) {
      expect(services[name]!.depends_on, name).toEqual({ migrate: { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
      expect(services[name]!.restart, name).toBe('unless-stopped');
    }
    for (const name of ['postgres', 'redis', 'worker', 'scheduler', 'dashboard']) expect(services[name]!.healthcheck?.test, name).toBeDefined();
    // The app health checks hit /healthz on the port the service is told to listen on.
    expect(services['worker']!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${services['worker']!.environment!['METRICS_PORT']}/healthz`);
    expect(services['scheduler']!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${services['scheduler']!.environment!['METRICS_PORT']}/healthz`);
    expect(services['dashboard']!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${services['dashboard']!.environment!['DASHBOARD_PORT']}/healthz`);
  });

  it('lets the worker scale (no fixed name, no published port) and publishes the dashboard on loopback only', () => {
    expect(services['worker']!.container_name).toBeUndefined();
    expect(services['worker']!.ports).toBeUndefined();
    expect(services['dashboard']!.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(services['dashboard']!.environment!['DASHBOARD_HOST']).toBe('0.0.0.0');
  });

  it('keeps every Redis key and the queue across restarts (noeviction, append-only file)', () => {
    const command = services['redis']!.command!.join(' ');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(command).toContain('--appendonly yes');
  });

  it('sets only variables the configuration knows', () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of APP) for (const key of Object.keys(services[name]!.environment ?? {})) expect(known.has(key), `${name}: ${key}`).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(resolve(projectRoot, 'Dockerfile'), 'utf8');
  it('builds with npm ci (prepare → tsc) and ships what the code reads at run time', () => {
    expect(dockerfile).toMatch(/RUN npm ci .*&& npm prune --omit=dev/);
    for (const copied of ['COPY tsconfig.json tsconfig.build.json ./', 'COPY src ./src', 'COPY --from=build /app/dist ./dist', 'COPY bin ./bin', 'COPY migrations ./migrations', 'COPY src/soap/wsdl ./src/soap/wsdl']) {
      expect(dockerfile).toContain(copied);
    }
  });
});
