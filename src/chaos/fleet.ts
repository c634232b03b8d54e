import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../paths.js';

/**
 * The processes under test: `msads-etl worker` × n and one `msads-etl scheduler`, supervised the way a
 * process manager would: a worker that dies is replaced (at once when the chaos run killed it, after a
 * second when it died on its own, e.g. failing to start while Postgres is down). Every process logs
 * JSON lines into its own file; lines that report a stalled job are counted, with their time.
 */

export type ProcessRole = 'worker' | 'scheduler';
export type ProcessState = 'running' | 'frozen' | 'stopping' | 'exited';

export interface ChaosProcess {
  role: ProcessRole;
  /** 1, 2, 3… in start order per role. */
  n: number;
  pid: number;
  child: ChildProcess;
  state: ProcessState;
  startedAt: number;
  /** The chaos run ended it (kill, deploy): not counted as an unexpected exit. */
  ended: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface FleetFigures {
  workersStarted: number;
  unexpectedExits: { worker: number; scheduler: number };
  /** Times (epoch ms) at which some process logged a stalled job. */
  stallTimes: number[];
}

const CLI = resolve(projectRoot, 'bin/msads-etl.js');
const SUPERVISE_MS = 250;
const RESTART_AFTER_MS = 1_000;

export class Fleet {
  readonly figures: FleetFigures = { workersStarted: 0, unexpectedExits: { worker: 0, scheduler: 0 }, stallTimes: [] };
  readonly processes: ChaosProcess[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastRestart = 0;
  #closing = false;

  constructor(
    private readonly options: { env: Record<string, string>; logDir: string; workers: number; graceSeconds: number },
  ) {}

  start(): void {
    this.#spawn('scheduler');
    for (let i = 0; i < this.options.workers; i++) this.#spawn('worker');
    this.#timer = setInterval(() => this.#supervise(), SUPERVISE_MS);
  }

  /** Workers able to take a signal now (not frozen, not already stopping), up for at least minUpMs. */
  liveWorkers(minUpMs = 0): ChaosProcess[] {
    return this.processes.filter((p) => p.role === 'worker' && p.state === 'running' && Date.now() - p.startedAt >= minUpMs);
  }

  byPid(pid: number): ChaosProcess | undefined {
    return this.processes.find((p) => p.pid === pid && p.state !== 'exited');
  }

  /** SIGKILL, and a replacement at once. */
  async kill(p: ChaosProcess): Promise<void> {
    p.ended = true;
    p.child.kill('SIGKILL');
    await p.exit;
    if (p.role === 'worker') this.#spawn('worker');
  }

  /** A rolling deploy of one worker: SIGTERM (it finishes or abandons its jobs within its grace), a new one started at once. */
  deploy(p: ChaosProcess): ChaosProcess {
    p.ended = true;
    p.state = 'stopping';
    p.child.kill('SIGTERM');
    return this.#spawn('worker');
  }

  freeze(p: ChaosProcess): void {
    p.state = 'frozen';
    p.child.kill('SIGSTOP');
  }

  thaw(p: ChaosProcess): void {
    p.child.kill('SIGCONT');
    if (p.state === 'frozen') p.state = 'running';
  }

  /** Stops every process: SIGTERM, then SIGKILL after the grace and a margin. */
  async stop(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#timer);
    const alive = this.processes.filter((p) => p.state !== 'exited');
    for (const p of alive) {
      p.ended = true;
      p.child.kill('SIGCONT');
      p.child.kill('SIGTERM');
    }
    const hardStop = setTimeout(() => alive.forEach((p) => p.child.kill('SIGKILL')), (this.options.graceSeconds + 10) * 1_000);
    await Promise.all(alive.map((p) => p.exit));
    clearTimeout(hardStop);
  }

  /** Synchronous last resort on process exit. */
  killNow(): void {
    this.#closing = true;
    clearInterval(this.#timer);
    for (const p of this.processes) if (p.state !== 'exited') p.child.kill('SIGKILL');
  }

  #supervise(): void {
    if (this.#closing) return;
    const workers = this.processes.filter((p) => p.role === 'worker' && (p.state === 'running' || p.state === 'frozen'));
    const scheduler = this.processes.some((p) => p.role === 'scheduler' && p.state !== 'exited');
    if ((workers.length >= this.options.workers && scheduler) || Date.now() - this.#lastRestart < RESTART_AFTER_MS) return;
    this.#lastRestart = Date.now();
    if (!scheduler) this.#spawn('scheduler');
    if (workers.length < this.options.workers) this.#spawn('worker');
  }

  #spawn(role: ProcessRole): ChaosProcess {
    const n = this.processes.filter((p) => p.role === role).length + 1;
    const args = role === 'worker' ? ['worker', '--grace', String(this.options.graceSeconds)] : ['scheduler', '--grace', '5'];
    const child = spawn(process.execPath, [CLI, ...args], { env: this.options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(join(this.options.logDir, `${role}-${n}.log`));
    const p: ChaosProcess = {
      role,
      n,
      pid: child.pid ?? -1,
      child,
      state: 'running',
      startedAt: Date.now(),
      ended: false,
      exit: new Promise((done) =>
        child.once('exit', (code, signal) => {
          p.state = 'exited';
          if (!p.ended && !this.#closing) this.figures.unexpectedExits[role]++;
          done({ code, signal });
        }),
      ),
    };
    // 'close' comes after the last output line, 'exit' may come before it.
    child.once('close', () => log.end());
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        if (line.includes('stalled')) this.figures.stallTimes.push(Date.now());
      });
    }
    if (role === 'worker') this.figures.workersStarted++;
    this.processes.push(p);
    return p;
  }
}
