import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/**
 * The CI variant of the chaos run (`chaosRun.js --short`, compiled by `npm run build`, which `pretest`
 * runs): every kind of fault, shorter. It runs in its own process group, so whatever it started
 * (workers, scheduler, redis-server, postgres) goes down with it if this test gives up on it.
 */

const SCRIPT = resolve(projectRoot, 'dist/chaos/chaosRun.js');
const BOUND_MS = 240_000;

let run: ChildProcess | undefined;

const killGroup = (signal: NodeJS.Signals) => {
  if (run?.pid === undefined || run.exitCode !== null || run.signalCode !== null) return;
  try {
    process.kill(-run.pid, signal);
  } catch {
    // The group is gone already.
  }
};

afterAll(async () => {
  if (!run || run.exitCode !== null || run.signalCode !== null) return;
  // SIGINT first: the run stops what it started (its own Postgres included) and exits; then the group.
  const exited = new Promise((r) => run?.once('exit', r));
  killGroup('SIGINT');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  killGroup('SIGKILL');
}, 60_000);

describe('npm run chaos -- --short', () => {
  it(
    'survives every kind of fault with every window loaded exactly once and the ledger matching the queue',
    async () => {
      expect(existsSync(SCRIPT), `${SCRIPT} is missing: run npm run build`).toBe(true);
      run = spawn(process.execPath, [SCRIPT, '--short'], {
        cwd: projectRoot,
        env: { PATH: process.env['PATH'] ?? '' },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      run.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      run.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => killGroup('SIGINT'), BOUND_MS - 30_000);
      const code = await new Promise<number | null>((r) => run?.once('exit', (c) => r(c)));
      clearTimeout(timer);

      for (const figure of ['windows loaded exactly once', 'duplicate rows', 'runs left non-final', 'worker SIGKILLs', 'deploys', 'frozen worker', 'redis crashes', 'postgres outages', 'throttled Reporting calls', 'submits per window', 'duration']) {
        expect(output, `figure "${figure}" missing`).toContain(figure);
      }
      expect(output).not.toMatch(/^\s+FAIL /m);
      expect(output, output).toContain('chaos: PASSED');
      expect(code, output).toBe(0);
    },
    BOUND_MS,
  );
});
