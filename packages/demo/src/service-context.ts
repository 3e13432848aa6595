import type { Faults } from './faults.js';
import type { Routes } from './http-kit.js';
import type { ServiceName, ServicePorts } from './topology.js';

/** The faults in force in this process; changed at run time through `POST /_demo/faults`. */
export class FaultState {
  private listeners: ((faults: Readonly<Faults>) => void)[] = [];

  constructor(private faults: Readonly<Faults>) {}

  current(): Readonly<Faults> {
    return this.faults;
  }

  replace(faults: Readonly<Faults>): void {
    this.faults = faults;
    for (const listener of this.listeners) listener(faults);
  }

  onChange(listener: (faults: Readonly<Faults>) => void): void {
    this.listeners.push(listener);
  }
}

/** What a service gets from the process that runs it. */
export interface ServiceContext {
  name: ServiceName;
  ports: ServicePorts;
  faults: FaultState;
  /** `http://127.0.0.1:PORT` of another service. */
  url(service: ServiceName): string;
}

/** A service: its HTTP routes, and what must stop before the process exits (consumers, timers). */
export interface DemoService {
  routes: Routes;
  stop?(): Promise<void>;
}

export type ServiceFactory = (context: ServiceContext) => Promise<DemoService>;
