/**
 * The demo's processes, in start order, and where each listens. Every service is its own Node
 * process talking HTTP on 127.0.0.1; they find each other through the port map the launcher hands
 * them (`SKEIN_DEMO_PORTS`), so the same code runs on the fixed demo ports and on the free ports a
 * test picks.
 */
export const SERVICES = [
  { name: 'api-gateway', traced: true, role: 'public entry: POST /orders, GET /restaurants/nearby, GET/POST /faults' },
  { name: 'auth', traced: true, role: 'bearer-token check, customer tier' },
  { name: 'order', traced: true, role: 'places orders: parallel fan-out, payment with retries, SQLite, queue producer' },
  { name: 'restaurant-availability', traced: true, role: 'geo lookup in SQLite behind an in-process cache' },
  { name: 'pricing', traced: true, role: 'menu prices and tier discounts' },
  { name: 'fraud-check', traced: true, role: 'risk score (the host whose clock can be skewed)' },
  { name: 'payment', traced: true, role: 'card authorisation (error-rate and load-shedding faults)' },
  { name: 'notify', traced: true, role: 'queue consumer: receipts sent through the SMS gateway' },
  { name: 'queue-broker', traced: false, role: 'in-memory message queue (infrastructure, like a RabbitMQ)' },
  { name: 'sms-gateway', traced: false, role: 'third-party SMS provider: plain HTTP server, no tracing' },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];
export type ServicePorts = Record<ServiceName, number>;

/** The host whose clock the `clockSkewMs` fault moves. */
export const CLOCK_SKEWED_SERVICE: ServiceName = 'fraud-check';

/** Where the order service publishes and notify consumes. */
export const ORDER_EVENTS_QUEUE = 'order-events';

export function isServiceName(value: string): value is ServiceName {
  return SERVICES.some((service) => service.name === value);
}

export function tracedServices(): ServiceName[] {
  return SERVICES.filter((service) => service.traced).map((service) => service.name);
}

/** Consecutive ports from `basePort`, in the order of SERVICES. */
export function portsFromBase(basePort: number): ServicePorts {
  const ports: Partial<ServicePorts> = {};
  SERVICES.forEach((service, index) => (ports[service.name] = basePort + index));
  return ports as ServicePorts;
}

export function serviceUrl(ports: ServicePorts, name: ServiceName): string {
  return `http://127.0.0.1:${ports[name]}`;
}

/** Reads the port map the launcher passes in `SKEIN_DEMO_PORTS`; throws naming what is wrong. */
export function parsePorts(json: string | undefined): ServicePorts {
  if (json === undefined) throw new Error('SKEIN_DEMO_PORTS is not set (start services through the demo launcher)');
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null) throw new Error('SKEIN_DEMO_PORTS must be a JSON object');
  const ports: Partial<ServicePorts> = {};
  for (const { name } of SERVICES) {
    const port = (parsed as Record<string, unknown>)[name];
    if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
      throw new Error(`SKEIN_DEMO_PORTS: "${name}" must be a port number, got ${JSON.stringify(port)}`);
    }
    ports[name] = port;
  }
  return ports as ServicePorts;
}
