/**
 * Entry of one demo service process: `node service-process.js NAME`, started by the launcher
 * with `SKEIN_DEMO_PORTS` (where everyone listens), `SKEIN_DEMO_FAULTS` (faults at start) and the
 * standard `OTEL_EXPORTER_OTLP_ENDPOINT`. A traced service sets up @skein/sdk-node first and only
 * then loads its code (dynamic import), so the http instrumentation is in place before any module
 * touches `node:http`. The untraced ones skip all of that: plain Node HTTP servers.
 */
import type { IncomingMessage } from 'node:http';
import type { SkeinTracing } from '@skein/sdk-node';
import { installClockSkewHook, setClockSkew } from './clock-skew.js';
import { NO_FAULTS, mergeFaults } from './faults.js';
import type { JsonRequest } from './http-kit.js';
import { FaultState } from './service-context.js';
import type { ServiceContext, ServiceFactory } from './service-context.js';
import { CLOCK_SKEWED_SERVICE, SERVICES, isServiceName, parsePorts, serviceUrl } from './topology.js';
import type { ServiceName } from './topology.js';

/** Requests to these paths are the demo's own plumbing, not traffic worth a trace. */
const CONTROL_PATHS = ['/_demo/', '/faults'];

function isControlRequest(request: IncomingMessage): boolean {
  const path = request.url ?? '';
  return CONTROL_PATHS.some((prefix) => path.startsWith(prefix));
}

async function loadFactory(name: ServiceName): Promise<ServiceFactory> {
  switch (name) {
    case 'api-gateway':
      return (await import('./services/api-gateway.js')).createApiGateway;
    case 'auth':
      return (await import('./services/auth.js')).createAuth;
    case 'order':
      return (await import('./services/order.js')).createOrder;
    case 'restaurant-availability':
      return (await import('./services/restaurant-availability.js')).createRestaurantAvailability;
    case 'pricing':
      return (await import('./services/pricing.js')).createPricing;
    case 'fraud-check':
      return (await import('./services/fraud-check.js')).createFraudCheck;
    case 'payment':
      return (await import('./services/payment.js')).createPayment;
    case 'notify':
      return (await import('./services/notify.js')).createNotify;
    case 'queue-broker':
      return (await import('./services/queue-broker.js')).createQueueBroker;
    case 'sms-gateway':
      return (await import('./services/sms-gateway.js')).createSmsGateway;
  }
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  if (!isServiceName(name)) throw new Error(`unknown service "${name}" (known: ${SERVICES.map((s) => s.name).join(', ')})`);
  const traced = SERVICES.find((service) => service.name === name)!.traced;
  const ports = parsePorts(process.env['SKEIN_DEMO_PORTS']);
  const faults = new FaultState(mergeFaults(NO_FAULTS, JSON.parse(process.env['SKEIN_DEMO_FAULTS'] ?? '{}')));

  if (name === CLOCK_SKEWED_SERVICE) {
    installClockSkewHook();
    setClockSkew(faults.current().clockSkewMs);
    faults.onChange((next) => setClockSkew(next.clockSkewMs));
  }

  let tracing: SkeinTracing | undefined;
  let demoLogs: { shutdown(): Promise<void> } | undefined;
  if (traced) {
    // Loaded only here: the untraced processes (broker, SMS gateway) never load the SDK at all.
    const { register } = await import('@skein/sdk-node');
    tracing = register({
      serviceName: name,
      serviceVersion: '1.0.0',
      resourceAttributes: {
        // Each service plays a separate host (as containers would be), so Skein's host-aware
        // clock-skew correction can tell the skewed fraud-check host from the others.
        'host.name': `${name}.demo.internal`,
        'deployment.environment.name': 'demo',
      },
      http: { ignoreIncomingRequestHook: isControlRequest },
    });
    // Logs through the OpenTelemetry logs SDK, beside the spans (issue 17).
    const { startDemoLogs } = await import('./demo-logs.js');
    demoLogs = startDemoLogs(name, { 'host.name': `${name}.demo.internal`, 'deployment.environment.name': 'demo' });
  }

  const { startJsonServer } = await import('./http-kit.js');
  const context: ServiceContext = { name, ports, faults, url: (service) => serviceUrl(ports, service) };
  const service = await (await loadFactory(name))(context);
  service.routes.set('GET /_demo/health', async () => ({ status: 200, body: { service: name } }));
  service.routes.set('POST /_demo/faults', async (request: JsonRequest) => {
    faults.replace(mergeFaults(NO_FAULTS, request.body));
    return { status: 200, body: faults.current() };
  });
  const server = await startJsonServer(ports[name], service.routes);
  // The launcher waits for this exact line.
  console.log(`ready: ${name} listening on ${serviceUrl(ports, name)}${traced ? '' : ' (not traced)'}`);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await service.stop?.();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Our own signal handler ends the process, so flush the last spans first (see sdk-node README).
    await tracing?.shutdown();
    await demoLogs?.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(
    `demo service ${process.argv[2] ?? '?'} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
