import { spawn } from 'node:child_process';
import { CLI, type CliResult } from '../helpers/cli.js';

/**
 * The built CLI in a process group of its own, for the CLI tests of status, runs, config and the
 * terminal output: every group started is killed whole (killAll in afterEach), even when a test fails
 * or times out, so no command outlives its test. `tty` runs it under script(1), on a pseudo-terminal.
 */

const groups = new Set<number>();

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Run on a pseudo-terminal (script -qec …): stdout and stderr arrive together on stdout. */
  tty?: boolean;
  /** Resolve as soon as the output matches, then kill the group (for commands that run until stopped). */
  until?: RegExp;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runCliGroup(args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<CliResult> {
  const command = options.tty ? 'script' : process.execPath;
  const argv = options.tty ? ['-qec', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'] : [CLI, ...args];
  const child = spawn(command, argv, {
    env: { PATH: process.env['PATH'] ?? '', ...(options.tty ? { SHELL: '/bin/sh', TERM: 'xterm' } : {}), ...env },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) groups.add(pid);
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const finish = (result: CliResult) => {
      clearTimeout(timer);
      if (pid !== undefined) killGroup(pid);
      resolve(result);
    };
    const check = () => {
      if (options.until && options.until.test(stdout + stderr)) finish({ code: null, signal: null, stdout, stderr });
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    const timer = setTimeout(() => {
      if (pid !== undefined) killGroup(pid);
      reject(new Error(`msads-etl ${args.join(' ')} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    // 'close', not 'exit': the output is complete only once the pipes are.
    child.on('close', (code, signal) => finish({ code, signal, stdout, stderr }));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  groups.delete(pid);
}

/** Kills every group still alive (call in afterEach). */
export function killAll(): void {
  for (const pid of [...groups]) killGroup(pid);
}

/** Text without ANSI escapes and carriage returns (a pseudo-terminal writes \r\n). */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
}
