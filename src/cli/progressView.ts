import cliProgress from 'cli-progress';
import type { WatchState } from './jobWatch.js';
import { formatDuration } from './table.js';

/**
 * The backfill's live progress: a cli-progress bar on a terminal; elsewhere (CI, a log file) a plain
 * line whenever the counts change, at most every few seconds, so logs stay readable.
 */

export interface ProgressView {
  update(state: WatchState): void;
  stop(): void;
}

export function etaMs(state: WatchState, elapsedMs: number): number | undefined {
  const finished = state.done + state.failed;
  if (finished === 0 || finished >= state.total) return finished >= state.total ? 0 : undefined;
  return (elapsedMs / finished) * (state.total - finished);
}

export function describeProgress(state: WatchState, elapsedMs: number): string {
  const eta = etaMs(state, elapsedMs);
  return `windows ${state.done + state.failed}/${state.total} (done ${state.done}, failed ${state.failed}), rows ${state.rows}, elapsed ${formatDuration(elapsedMs)}, ETA ${eta === undefined ? '?' : formatDuration(eta)}`;
}

export function createProgressView(stream: NodeJS.WriteStream, startedAt: number, now: () => number = Date.now): ProgressView {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: ' {bar} {value}/{total} windows | failed {failed} | rows {rows} | elapsed {elapsedText} | ETA {etaText}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let last: WatchState | undefined;
    const payload = (s: WatchState) => {
      const elapsed = now() - startedAt;
      const eta = etaMs(s, elapsed);
      return { failed: s.failed, rows: s.rows, elapsedText: formatDuration(elapsed), etaText: eta === undefined ? '?' : formatDuration(eta) };
    };
    // Elapsed time moves even when no job finishes.
    const ticker = setInterval(() => last && bar.update(last.done + last.failed, payload(last)), 1_000);
    ticker.unref();
    return {
      update(s) {
        last = s;
        if (!started) {
          bar.start(s.total, s.done + s.failed, payload(s));
          started = true;
        } else bar.update(s.done + s.failed, payload(s));
      },
      stop() {
        clearInterval(ticker);
        if (started) bar.stop();
      },
    };
  }
  let lastLine = '';
  let lastAt = 0;
  let lastState: WatchState | undefined;
  return {
    update(s) {
      lastState = s;
      const finished = s.done + s.failed;
      const line = describeProgress(s, now() - startedAt);
      const counts = `${finished}/${s.failed}/${s.rows}`;
      if (counts === lastLine || (now() - lastAt < 5_000 && finished < s.total && finished > 0)) return;
      lastLine = counts;
      lastAt = now();
      stream.write(`${line}\n`);
    },
    stop() {
      if (lastState) {
        const counts = `${lastState.done + lastState.failed}/${lastState.failed}/${lastState.rows}`;
        if (counts !== lastLine) stream.write(`${describeProgress(lastState, now() - startedAt)}\n`);
      }
    },
  };
}
