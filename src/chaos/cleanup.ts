/**
 * Everything the chaos run starts is stopped when it ends: on success, on a failed assertion, on an
 * error, on SIGINT/SIGTERM. Each resource registers an async close (run in reverse order, each bounded)
 * and a synchronous kill for the 'exit' event, the last chance when the run dies some other way.
 */
export interface Cleanup {
  add(name: string, close: () => Promise<void>, killNow?: () => void): void;
  /** Closes everything once; later calls wait for the same run. */
  run(): Promise<void>;
}

const CLOSE_BOUND_MS = 30_000;

export function createCleanup(log: (line: string) => void): Cleanup {
  const steps: { name: string; close: () => Promise<void>; killNow: (() => void) | undefined }[] = [];
  let running: Promise<void> | undefined;
  const run = () =>
    (running ??= (async () => {
      for (const step of [...steps].reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(log(`cleanup: ${step.name} did not close in time; killing`)), CLOSE_BOUND_MS)));
        await Promise.race([step.close().catch((e: unknown) => log(`cleanup: ${step.name}: ${String(e)}`)), bound]);
        clearTimeout(timer);
        step.killNow?.();
      }
    })());
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    log(`${signal}: stopping everything the chaos run started`);
    void run().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('exit', () => {
    for (const step of steps) {
      try {
        step.killNow?.();
      } catch {
        // Best effort: the process is leaving.
      }
    }
  });
  return {
    add(name, close, killNow) {
      steps.push({ name, close, killNow });
    },
    run,
  };
}
