import type { DependenciesResponse, ServiceMapResponse } from '../api/schemas';
import type { Dependency, NodeInfo } from './service-graph';

/** What the map page draws, from whichever endpoint had data. */
export interface MapSource {
  /** `metrics`: the metrics tap's service graph (RED, virtual nodes); `traces`: stored spans' dependencies. */
  kind: 'metrics' | 'traces';
  dependencies: Dependency[];
  nodeInfo: ReadonlyMap<string, NodeInfo>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

/** Short names of the virtual node types, shown inside their circles and in the table. */
export const VIRTUAL_KIND_LABELS: Readonly<Record<string, string>> = {
  database: 'DB',
  messaging_system: 'MQ',
  virtual_node: 'EXT',
  user: 'USER',
};

const millisToNanos = (millis: number): string => (millis === 0 ? '0' : `${Math.round(millis)}000000`);

export function fromServiceMap(response: ServiceMapResponse): MapSource {
  return {
    kind: 'metrics',
    dependencies: response.edges.map((edge) => ({
      parentService: edge.client,
      childService: edge.server,
      callCount: edge.calls,
      errorCount: edge.errors,
      red: { rate: edge.rate, errorRatio: edge.errorRatio, p99Millis: edge.p99Millis },
    })),
    nodeInfo: new Map(
      response.nodes.map((node) => [
        node.name,
        { virtual: node.virtual, type: node.type, red: { rate: node.rate, errorRatio: node.errorRatio, p99Millis: node.p99Millis } },
      ]),
    ),
    startTimeUnixNano: millisToNanos(response.startTimeUnixMillis),
    endTimeUnixNano: millisToNanos(response.endTimeUnixMillis),
  };
}

export function fromDependencies(response: DependenciesResponse): MapSource {
  return {
    kind: 'traces',
    dependencies: response.dependencies,
    nodeInfo: new Map(),
    startTimeUnixNano: response.startTimeUnixNano,
    endTimeUnixNano: response.endTimeUnixNano,
  };
}
