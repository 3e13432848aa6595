const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([
      promise.then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Flushes spans when the process is about to end: on SIGTERM/SIGINT (what orchestrators and
 * Ctrl-C send) and on `beforeExit` (the event loop ran dry). Returns a function that removes the hooks.
 *
 * Listening to a signal switches off Node's default "terminate", so after flushing the signal is
 * raised again with our listener gone when the app has no listener of its own: the process then
 * ends exactly as it would have without us (same signal, same exit status). When the app does
 * listen, ending the process stays the app's decision.
 */
export function installExitHooks(shutdown: () => Promise<void>, timeoutMs: number): () => void {
  let done = false;
  const uninstall = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
  const flush = async (): Promise<void> => {
    uninstall();
    if (done) return;
    done = true;
    await settleWithin(shutdown(), timeoutMs);
  };
  async function onSignal(signal: NodeJS.Signals): Promise<void> {
    await flush();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
  function onBeforeExit(): void {
    void flush();
  }
  for (const signal of SIGNALS) process.once(signal, onSignal);
  process.once('beforeExit', onBeforeExit);
  return uninstall;
}
