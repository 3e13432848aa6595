#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { LOADGEN_USAGE, parseLoadgenArgs, runLoadgen } from '../loadgen/run-loadgen.js';
import { ConfigError } from '../model/config-error.js';
import { parseCommandLine, USAGE } from './command-line.js';
import { ConfigError as CliConfigError, validateConfig } from './config.js';
import { ListenError } from './listen.js';
import { createLogger } from './logger.js';
import { DataDirError, startSkein } from './start-skein.js';

const logger = createLogger();

function version(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

/** `skein loadgen …`: an OTLP client, so it skips the server's configuration entirely. */
async function loadgen(argv: string[]): Promise<void> {
  const options = parseLoadgenArgs(argv);
  if (options.help) {
    process.stdout.write(LOADGEN_USAGE);
    return;
  }
  const abort = new AbortController();
  // First Ctrl-C: stop generating and finish sending whole traces; second: exit at once.
  const onSignal = (): void => {
    if (abort.signal.aborted) process.exit(130);
    logger.info('stopping: sending the traces already generated (Ctrl-C again to exit now)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await runLoadgen({ ...options, signal: abort.signal }, logger);
  process.exit(0);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'loadgen') return loadgen(argv.slice(1));
  const commandLine = parseCommandLine(argv, process.env);
  if (commandLine.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (commandLine.version) {
    process.stdout.write(`skein ${version()}\n`);
    return;
  }
  const config = validateConfig(commandLine.rawConfig, commandLine.source);
  logger.info(`skein ${version()} starting (${commandLine.role}, node ${process.version}, pid ${process.pid})`);
  const running = await startSkein(config, commandLine.role, logger);

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting for pending writes`);
      process.exit(130);
    }
    stopping = true;
    logger.info(`${signal} received: finishing accepted writes and shutting down`);
    running.stop().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Only once the handlers are in place: a supervisor (or a test) that stops Skein as soon as it
  // reads this line would otherwise kill it by the default SIGTERM action, with no clean shutdown
  // (seen as exit code null in two test files' after hooks on a loaded machine).
  logger.info('skein is ready');
}

// Anything escaping a request handler is a bug; it is logged, and the process keeps serving.
process.on('uncaughtException', (error) => logger.error(`uncaught exception: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (reason) =>
  logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
);

main().catch((error: unknown) => {
  if (
    // Every configuration problem (model's ConfigError: flags, files, loadgen flags and topologies)
    // and every start-up refusal the user must fix is one line, without a stack trace.
    error instanceof ConfigError ||
    error instanceof CliConfigError ||
    error instanceof ListenError ||
    error instanceof DataDirError
  ) {
    logger.error(error.message);
  } else {
    logger.error(`failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  process.exit(1);
});
