import { promises as dnsPromises } from 'node:dns';
import type { ExporterLogger } from './exporter-telemetry.js';

/** Where the load balancer learns its backends (`host:port` endpoints). */
export interface BackendResolver {
  /** Resolves once, then keeps calling `onChange` whenever the set changes. */
  start(onChange: (endpoints: string[]) => void): Promise<string[]>;
  stop(): void;
}

/** `resolver.static.hostnames`: a fixed list. */
export class StaticResolver implements BackendResolver {
  constructor(private readonly hostnames: readonly string[]) {}

  start(): Promise<string[]> {
    return Promise.resolve([...new Set(this.hostnames)].sort());
  }

  stop(): void {}
}

export type LookupAddresses = (hostname: string) => Promise<string[]>;

/** getaddrinfo, as every other program on the host resolves (honours /etc/hosts). */
const systemLookup: LookupAddresses = async (hostname) =>
  (await dnsPromises.lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface DnsResolverOptions {
  hostname: string;
  port: number;
  intervalMillis: number;
  timeoutMillis: number;
  lookup?: LookupAddresses;
}

/**
 * `resolver.dns`: every address of `hostname` (a headless service, say) is a backend on `port`;
 * re-resolved every `interval`. A failed or timed-out lookup keeps the last known set: losing DNS
 * for a moment must not empty the ring and re-route every trace.
 */
export class DnsResolver implements BackendResolver {
  private timer: NodeJS.Timeout | undefined;
  private current: string[] = [];
  private readonly lookup: LookupAddresses;

  constructor(
    private readonly options: DnsResolverOptions,
    private readonly logger: ExporterLogger,
  ) {
    this.lookup = options.lookup ?? systemLookup;
  }

  async start(onChange: (endpoints: string[]) => void): Promise<string[]> {
    this.current = (await this.resolve()) ?? [];
    const tick = async (): Promise<void> => {
      const next = await this.resolve();
      if (next !== undefined && next.join(',') !== this.current.join(',')) {
        this.logger.info(`DNS resolver: ${this.options.hostname} now resolves to ${next.join(', ') || 'nothing'}`);
        this.current = next;
        onChange(next);
      }
      if (this.timer !== undefined) {
        this.timer = setTimeout(() => void tick(), this.options.intervalMillis);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(() => void tick(), this.options.intervalMillis);
    this.timer.unref();
    return this.current;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The sorted endpoints, or undefined when the lookup failed. */
  private async resolve(): Promise<string[] | undefined> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      const addresses = await Promise.race([
        this.lookup(this.options.hostname),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${this.options.timeoutMillis} ms`)), this.options.timeoutMillis);
        }),
      ]);
      const endpoints = addresses.map((address) => (address.includes(':') ? `[${address}]` : address) + `:${this.options.port}`);
      return [...new Set(endpoints)].sort();
    } catch (error) {
      this.logger.warn(
        `DNS resolver: cannot resolve ${this.options.hostname} (${(error as Error).message}); keeping the last known backends`,
      );
      return undefined;
    } finally {
      clearTimeout(timeout);
    }
  }
}
