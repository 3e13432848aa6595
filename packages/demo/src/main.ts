#!/usr/bin/env node
/**
 * `npm run demo`: starts Skein all-in-one (unless --skein-url names a running one), the demo's
 * services as separate Node processes, and the traffic driver; prints where to look and which
 * faults are on; stops everything on Ctrl-C (services first, so their last spans reach Skein).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePorts, spawnNode, stopChild } from './child-process-group.js';
import type { ManagedChild } from './child-process-group.js';
import { describeFaults } from './faults.js';
import { USAGE, UsageError, parseLauncherOptions } from './launcher-options.js';
import type { LauncherOptions } from './launcher-options.js';
import { SERVICES, portsFromBase, serviceUrl } from './topology.js';
import type { ServicePorts } from './topology.js';
import { TrafficDriver, describeTraffic } from './traffic-driver.js';

const DIST_DIR = dirname(fileURLToPath(import.meta.url));
const SKEIN_MAIN = resolve(DIST_DIR, '../../skein/dist/cli/main.js');
const SERVICE_MAIN = resolve(DIST_DIR, 'service-process.js');
const TRAFFIC_REPORT_INTERVAL_MS = 10_000;

const log = (message: string): void => console.log(`[demo] ${message}`);

function prefixed(name: string): (line: string) => void {
  const label = `[${name}]`.padEnd(26);
  return (line) => console.log(`${label}${line}`);
}

/** Every process the launcher started, as soon as it is started: what Ctrl-C must stop. */
interface StartedChildren {
  skein: ManagedChild | undefined;
  services: ManagedChild[];
}

interface RunningSkein {
  otlpUrl: string;
  uiUrl: string;
}

async function startSkein(options: LauncherOptions, started: StartedChildren): Promise<RunningSkein> {
  if (options.skeinUrl !== undefined) {
    const uiUrl = options.uiUrl ?? `${new URL(options.skeinUrl).protocol}//${new URL(options.skeinUrl).hostname}:16686`;
    log(`using the Skein at ${options.skeinUrl} (not starting one)`);
    return { otlpUrl: options.skeinUrl, uiUrl };
  }
  let otlpPort = 4318;
  let queryPort = 16686;
  const print = prefixed('skein');
  const { child } = await spawnNode('skein', [SKEIN_MAIN, '--data-dir', options.dataDir], {
    env: process.env,
    detached: true,
    ready: /skein is ready/,
    readyTimeoutMs: 60_000,
    onSpawn: (child) => (started.skein = child),
    onLine: (line) => {
      const otlp = /OTLP\/HTTP receiver listening on http:\/\/[^ ]*:(\d+)\//.exec(line);
      if (otlp !== null) otlpPort = Number(otlp[1]);
      const query = /query API listening on http:\/\/[^ ]*:(\d+)\//.exec(line);
      if (query !== null) queryPort = Number(query[1]);
      print(line);
    },
  });
  log(`started skein                    pid ${child.process.pid}, data in ${options.dataDir}`);
  return { otlpUrl: `http://localhost:${otlpPort}`, uiUrl: options.uiUrl ?? `http://localhost:${queryPort}` };
}

async function startServices(ports: ServicePorts, otlpUrl: string, options: LauncherOptions, started: StartedChildren): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SKEIN_DEMO_PORTS: JSON.stringify(ports),
    SKEIN_DEMO_FAULTS: JSON.stringify(options.faults),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    // Spans reach Skein within a second instead of the SDK's default five.
    OTEL_BSP_SCHEDULE_DELAY: process.env['OTEL_BSP_SCHEDULE_DELAY'] ?? '1000',
  };
  const results = await Promise.allSettled(
    SERVICES.map(async (service) => {
      const print = prefixed(service.name);
      const { child } = await spawnNode(service.name, [SERVICE_MAIN, service.name], {
        env,
        ready: /^ready: /,
        readyTimeoutMs: 60_000,
        onSpawn: (child) => started.services.push(child),
        onLine: (line) => {
          // The launcher's own "started" line says it better.
          if (!line.startsWith('ready: ')) print(line);
        },
      });
      log(
        `started ${service.name.padEnd(24)} ${serviceUrl(ports, service.name)}  ${service.traced ? 'traced    ' : 'NOT traced'}  pid ${String(child.process.pid).padEnd(7)} ${service.role}`,
      );
    }),
  );
  // The first failure is the one to report; the caller stops whatever did start.
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

async function main(): Promise<void> {
  const options = parseLauncherOptions(process.argv.slice(2), resolve(DIST_DIR, '../data'));
  if (options === undefined) {
    console.log(USAGE);
    return;
  }
  const ports = options.basePort === 0 ? await freeServicePorts() : portsFromBase(options.basePort);

  const started: StartedChildren = { skein: undefined, services: [] };
  let skein: RunningSkein;
  const gatewayUrl = serviceUrl(ports, 'api-gateway');
  const traffic = new TrafficDriver(gatewayUrl, options.rate);
  let report: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (exitCode: number): Promise<void> =>
    (stopping ??= (async () => {
      log('stopping…');
      clearInterval(report);
      await traffic.stop();
      // Services flush their last spans on SIGTERM; Skein goes last so those spans still land.
      await Promise.all(started.services.map((child) => stopChild(child, 'SIGTERM', 8_000)));
      if (started.skein !== undefined) await stopChild(started.skein, 'SIGTERM', 15_000);
      log('stopped');
      process.exit(exitCode);
    })());
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  // Last resort if the launcher dies on an exception: no child outlives it.
  process.on('exit', () => {
    for (const child of [...started.services, ...(started.skein === undefined ? [] : [started.skein])]) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    }
  });

  try {
    skein = await startSkein(options, started);
    await startServices(ports, skein.otlpUrl, options, started);
  } catch (error) {
    // A Ctrl-C during start-up also ends here (a child died of it): then there is nothing to report.
    if (stopping === undefined) console.error(`[demo] could not start: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(1);
    return;
  }
  for (const child of [...started.services, ...(started.skein === undefined ? [] : [started.skein])]) {
    void child.exited.then(() => {
      if (stopping !== undefined) return;
      console.error(
        `[demo] ${child.name} exited unexpectedly (code ${child.process.exitCode ?? child.process.signalCode}); stopping the demo`,
      );
      void stopAll(1);
    });
  }

  traffic.start();
  if (options.rate > 0) {
    report = setInterval(() => log(`traffic: ${describeTraffic(traffic.takeStats())}`), TRAFFIC_REPORT_INTERVAL_MS);
  }

  console.log(`
[demo] ─────────────────────────────────────────────────────────────────────────────
[demo] demo is running: gateway ${gatewayUrl}, spans to ${skein.otlpUrl}
[demo]   Skein UI:  ${skein.uiUrl}
[demo]   traffic:   ${options.rate > 0 ? `${options.rate} sessions/s` : 'off (--rate 0)'}
[demo]   faults on: ${describeFaults(options.faults)}
[demo]   switch faults:  curl -X POST ${gatewayUrl}/faults -H 'content-type: application/json' \\
[demo]                     -d '{"slowGeoMs":800,"paymentErrorRate":0.3,"retryStorm":true,"clockSkewMs":2500}'
[demo]   all off:        curl -X POST ${gatewayUrl}/faults -d '{"slowGeoMs":0,"paymentErrorRate":0,"retryStorm":false,"clockSkewMs":0}'
[demo]   Ctrl-C stops everything.
[demo] ─────────────────────────────────────────────────────────────────────────────`);
}

async function freeServicePorts(): Promise<ServicePorts> {
  const free = await findFreePorts(SERVICES.length);
  const ports: Partial<ServicePorts> = {};
  SERVICES.forEach((service, index) => (ports[service.name] = free[index]!));
  return ports as ServicePorts;
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
