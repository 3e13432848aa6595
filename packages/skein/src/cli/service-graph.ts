import { accessFor, type Component, type CreateSettings, type ExtensionFactory, type Host } from '../component/component.js';
import type {
  ConnectorFactory,
  Exporter,
  ExporterFactory,
  ProcessorFactory,
  ReceiverFactory,
} from '../collector/pipeline/component-factories.js';
import {
  CONSUME_SUCCESS,
  type AdmissionRequest,
  type Consumer,
  type ConsumeResult,
  type SpanConsumer,
} from '../collector/pipeline/consume-result.js';
import type { StageContext } from '../collector/pipeline/span-processor.js';
import { TracePipeline } from '../collector/pipeline/trace-pipeline.js';
import type { LogsConsumer, LogsExporter } from '../collector/pipeline/logs-consumer.js';
import { fanOutLogs, LogsPipeline } from '../collector/pipeline/logs-pipeline.js';
import type { LogRecord } from '../model/log-record.js';
import type { Span } from '../model/span.js';
import { createMetricsHandler } from '../telemetry/metrics-endpoint.js';
import type { SkeinMetrics } from '../telemetry/skein-metrics.js';
import type { Role } from './command-line.js';
import { ConfigError } from '../model/config-error.js';
import type { ComponentConfig, PipelineConfig, SkeinConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * The service graph: config → components → start in dependency order → stop in reverse.
 *
 * Start order: Skein's own metrics endpoint, extensions, exporters (and connectors), pipelines
 * (their stateful stages are connected, i.e. started, here), receivers. Shutdown is the exact
 * reverse: receivers stop listening first (their requests in flight still get answers), stages
 * flush front to back, exporters drain, extensions stop, then the host closes the trace store.
 *
 * Roles pick parts of the same graph: `collector` runs the pipelines and the `health` extension,
 * `query` the listed query APIs (extensions of type `query` and `tempo`), `all-in-one` the pipelines and every listed
 * extension. Every role serves /metrics.
 */

/** One started part, with the label it is known by in logs and in the host's listener records. */
export interface GraphNode {
  readonly label: string;
  readonly component: Component;
}

/** Where the host is needed: each node sees the host as its own (listeners recorded under its label). */
export interface GraphHost {
  viewFor(owner: string): Host;
  closeListenersOf(owner: string): Promise<void>;
}

export class ServiceGraph {
  private started: GraphNode[] = [];

  constructor(readonly nodes: readonly GraphNode[]) {}

  /** Starts every node in order; if one fails, stops those started, in reverse, and rethrows. */
  async start(host: GraphHost): Promise<void> {
    for (const node of this.nodes) {
      try {
        this.started.push(node);
        await node.component.start(host.viewFor(node.label));
      } catch (error) {
        await this.shutdown(host).catch(() => undefined);
        throw error;
      }
    }
  }

  /** Stops the started nodes in reverse order; a node's listeners close right after it stopped. */
  async shutdown(host: GraphHost): Promise<void> {
    const started = this.started;
    this.started = [];
    let failure: unknown;
    for (const node of [...started].reverse()) {
      try {
        await node.component.shutdown();
      } catch (error) {
        failure ??= error;
      }
      await host.closeListenersOf(node.label);
    }
    if (failure !== undefined) throw failure;
  }
}

export interface GraphServices {
  readonly logger: Logger;
  readonly metrics: SkeinMetrics;
}

/** Builds the graph for `role` from a validated config. Nothing starts here. */
export function buildServiceGraph(config: SkeinConfig, role: Role, services: GraphServices): ServiceGraph {
  const nodes: GraphNode[] = [];
  const metricsAddress = config.service.telemetry.metrics.address;
  if (metricsAddress !== null) nodes.push({ label: 'metrics', component: metricsEndpoint(metricsAddress, services) });

  for (const id of extensionsOf(config, role)) {
    const extension = config.extensions[id]!;
    nodes.push({
      label: `extension ${id}`,
      component: (extension.factory as ExtensionFactory<unknown>).create(settingsOf(extension, services), extension.config),
    });
  }
  if (role === 'query') return new ServiceGraph(nodes);

  const allPipelineIds = pipelinesFor(config, role);
  // The id's type is the signal (config.ts): `traces…` or `logs…`.
  const isLogs = (pipelineId: string): boolean => pipelineId === 'logs' || pipelineId.startsWith('logs/');
  const pipelineIds = allPipelineIds.filter((id) => !isLogs(id));
  const logsPipelineIds = allPipelineIds.filter(isLogs);
  const pipelinesOf = (field: 'receivers' | 'exporters', id: string): string[] =>
    pipelineIds.filter((pipelineId) => config.service.pipelines[pipelineId]![field].includes(id));

  // Pipelines are consumers before they are built (a pipeline's stages connect in start()).
  const pipelines = new Map(pipelineIds.map((id) => [id, tracesPipeline(id, config, services)]));
  const fanOutTo = (pipelineIdsFed: readonly string[]): SpanConsumer => fanOut(pipelineIdsFed.map((id) => pipelines.get(id)!));

  // One instance per exporter or connector id, however many pipelines share it.
  const exporters = new Map<string, Exporter>();
  for (const pipelineId of pipelineIds) {
    for (const id of config.service.pipelines[pipelineId]!.exporters) {
      if (exporters.has(id)) continue;
      const connector = config.connectors[id];
      const exporter = connector
        ? (connector.factory as ConnectorFactory<unknown>).create(
            settingsOf(connector, services),
            connector.config,
            fanOutTo(pipelinesOf('receivers', id)),
          )
        : (config.exporters[id]!.factory as ExporterFactory<unknown>).create(
            settingsOf(config.exporters[id]!, services),
            config.exporters[id]!.config,
          );
      exporters.set(id, exporter);
      nodes.push({ label: `${connector ? 'connector' : 'exporter'} ${id}`, component: exporter });
    }
  }
  for (const [id, pipeline] of pipelines) {
    pipeline.exporters = config.service.pipelines[id]!.exporters.map((exporterId) => exporters.get(exporterId)!);
    nodes.push({ label: `pipeline ${id}`, component: pipeline });
  }
  // Logs pipelines (issue 17): their own exporter instances (an exporter factory's logs form).
  const logsPipelines = new Map(logsPipelineIds.map((id) => [id, logsPipeline(id, config, services)]));
  const logsExporters = new Map<string, LogsExporter>();
  for (const [pipelineId, pipeline] of logsPipelines) {
    pipeline.exporters = config.service.pipelines[pipelineId]!.exporters.map((id) => {
      let exporter = logsExporters.get(id);
      if (exporter === undefined) {
        const defined = config.exporters[id]!;
        exporter = (defined.factory as ExporterFactory<unknown>).createLogs!(settingsOf(defined, services), defined.config);
        logsExporters.set(id, exporter);
        nodes.push({ label: `exporter ${id} (logs)`, component: exporter });
      }
      return exporter;
    });
  }
  for (const [id, pipeline] of logsPipelines) nodes.push({ label: `pipeline ${id}`, component: pipeline });
  const logsPipelinesOf = (receiverId: string): LogsConsumer | undefined => {
    const fed = logsPipelineIds.filter((id) => config.service.pipelines[id]!.receivers.includes(receiverId));
    return fed.length === 0
      ? undefined
      : fanOutLogs(
          fed.map((id) => logsPipelines.get(id)!),
          true,
        );
  };

  // One instance per receiver id; one shared by pipelines feeds each of them.
  const receiverIds = [...new Set(allPipelineIds.flatMap((id) => config.service.pipelines[id]!.receivers))];
  for (const id of receiverIds) {
    const receiver = config.receivers[id];
    if (!receiver) continue; // a connector: it feeds its pipelines as an exporter of others
    const tracesFed = pipelinesOf('receivers', id);
    const component = (receiver.factory as ReceiverFactory<unknown>).create(
      settingsOf(receiver, services),
      receiver.config,
      tracesFed.length > 0 ? fanOutTo(tracesFed) : noTracesPipeline(id),
      logsPipelinesOf(id),
    );
    nodes.push({ label: `receiver ${id}`, component });
  }
  return new ServiceGraph(nodes);
}

/**
 * The pipelines `role` runs. One config file can describe a whole Kafka deployment
 * (docs/scaling.md): `ingester` runs the pipelines that read Kafka (a `kafka` receiver), `collector`
 * the others (OTLP in, usually to Kafka out), `all-in-one` every one of them.
 */
function pipelinesFor(config: SkeinConfig, role: Role): string[] {
  const all = Object.keys(config.service.pipelines);
  if (role === 'all-in-one') return all;
  const readsKafka = (id: string): boolean =>
    config.service.pipelines[id]!.receivers.some((receiver) => config.receivers[receiver]?.id.type === 'kafka');
  const picked = all.filter((id) => readsKafka(id) === (role === 'ingester'));
  if (picked.length === 0 && role === 'ingester') {
    throw new ConfigError('skein ingester: no pipeline reads Kafka: give one a kafka receiver (receivers: { kafka: { brokers: [...] } })');
  }
  return picked;
}

/** Extension types that read traces: the `query` role runs them, a collector does not. */
const QUERY_SIDE_TYPES: ReadonlySet<string> = new Set(['query', 'zipkin', 'tempo']);

/** The extensions `role` runs, in start order. */
function extensionsOf(config: SkeinConfig, role: Role): string[] {
  const typeOf = (id: string): string | undefined => config.extensions[id]?.id.type;
  const queryside = (id: string): boolean => QUERY_SIDE_TYPES.has(typeOf(id) ?? '');
  const listed = config.service.extensions;
  if (role === 'all-in-one') return [...listed];
  if (role === 'query') return listed.filter(queryside);
  // A collector serves no queries; it answers health checks (on the query port unless configured).
  const others = listed.filter((id) => !queryside(id));
  return others.some((id) => typeOf(id) === 'health') || !('health' in config.extensions) ? others : ['health', ...others];
}

/** A built pipeline of one signal: takes its items, flushes its stages at shutdown. */
interface SignalPipeline<T> extends Consumer<T> {
  shutdown(): Promise<void>;
}

/**
 * A pipeline of either signal as a component: `build` connects (so starts) its stages in start(),
 * given the exporters the graph gave it; they are flushed in shutdown().
 */
class PipelineComponent<T> implements Component, Consumer<T> {
  exporters: readonly Consumer<T>[] = [];
  private pipeline: SignalPipeline<T> | undefined;

  constructor(
    private readonly id: string,
    private readonly pipelineConfig: PipelineConfig,
    private readonly services: GraphServices,
    private readonly build: (exporters: readonly Consumer<T>[], host: Host) => SignalPipeline<T>,
  ) {}

  start(host: Host): Promise<void> {
    const { processors, receivers, exporters } = this.pipelineConfig;
    this.pipeline = this.build(this.exporters, host);
    this.services.logger.info(`${this.id} pipeline: ${receivers.join(' + ')} → ${[...processors, exporters.join(' + ')].join(' → ')}`);
    return Promise.resolve();
  }

  consume(items: T[]): Promise<ConsumeResult> {
    if (!this.pipeline) return Promise.resolve({ outcome: 'failure', message: `pipeline ${this.id} is not started` });
    return this.pipeline.consume(items);
  }

  admission(request?: AdmissionRequest): ConsumeResult | undefined {
    return this.pipeline?.admission?.(request);
  }

  async shutdown(): Promise<void> {
    await this.pipeline?.shutdown();
  }
}

/** A traces pipeline: each processor's span form, and a context with the host's store (for the metrics tap). */
function tracesPipeline(id: string, config: SkeinConfig, services: GraphServices): PipelineComponent<Span> {
  const pipelineConfig = config.service.pipelines[id]!;
  return new PipelineComponent<Span>(id, pipelineConfig, services, (exporters, host) => {
    const steps = pipelineConfig.processors.map((processorId) => {
      const processor = config.processors[processorId]!;
      return (processor.factory as ProcessorFactory<unknown>).create(settingsOf(processor, services), processor.config);
    });
    return new TracePipeline(
      exporters,
      steps,
      stageContext(host, services, () => host.traceStore()),
    );
  });
}

/** A logs pipeline (issue 17): each processor's logs form. */
function logsPipeline(id: string, config: SkeinConfig, services: GraphServices): PipelineComponent<LogRecord> {
  const pipelineConfig = config.service.pipelines[id]!;
  return new PipelineComponent<LogRecord>(id, pipelineConfig, services, (exporters, host) => {
    const steps = pipelineConfig.processors.map((processorId) => {
      const processor = config.processors[processorId]!;
      // The config loader checked that every processor of a logs pipeline has its logs form.
      return (processor.factory as ProcessorFactory<unknown>).createLogs!(settingsOf(processor, services), processor.config);
    });
    return new LogsPipeline(exporters, steps, stageContext(host, services));
  });
}

function settingsOf(component: ComponentConfig, services: GraphServices): CreateSettings {
  return { id: component.id, logger: services.logger, metrics: services.metrics };
}

/** `traceStore` for traces pipelines only (the metrics tap writes through it); logs stages have no use for it. */
function stageContext(host: Host, services: GraphServices, traceStore?: Host['traceStore']): StageContext {
  return {
    metrics: services.metrics,
    logger: services.logger,
    // A getter: read only by stages that keep durable state, so the data directory is made only for them.
    get stateDir() {
      return host.stateDir;
    },
    ...(traceStore !== undefined && { traceStore }),
  };
}

/** What a receiver that is in logs pipelines only answers for traces: not taken, and why. */
function noTracesPipeline(receiverId: string): SpanConsumer {
  return {
    consume: () =>
      Promise.resolve({
        outcome: 'failure',
        message: `receiver ${receiverId} is in no traces pipeline: list it in service.pipelines.traces.receivers`,
      }),
  };
}

/**
 * Feeds every pipeline a receiver is in. Processors edit spans in place, so each pipeline but the
 * last gets its own copy; the answer is the first that is not a success (as a pipeline's exporters).
 */
function fanOut(consumers: readonly SpanConsumer[]): SpanConsumer {
  if (consumers.length === 1) return consumers[0]!;
  return {
    async consume(spans: Span[]): Promise<ConsumeResult> {
      const results = await Promise.all(
        consumers.map((consumer, index) => consumer.consume(index === consumers.length - 1 ? spans : structuredClone(spans))),
      );
      return results.find((result) => result.outcome !== 'success') ?? CONSUME_SUCCESS;
    },
    admission(request?: AdmissionRequest): ConsumeResult | undefined {
      for (const consumer of consumers) {
        const refusal = consumer.admission?.(request);
        if (refusal !== undefined) return refusal;
      }
      return undefined;
    },
  };
}

/** Skein's own `/metrics` (the Collector's `service.telemetry.metrics.address`), a part of every role. */
function metricsEndpoint(address: string, services: GraphServices): Component {
  return {
    async start(host: Host): Promise<void> {
      const port = await host.listenHttp({
        endpoint: address,
        handler: createMetricsHandler(services.metrics),
        description: "Skein's own metrics",
        portHint: 'set --metrics-port or SKEIN_METRICS_PORT',
        portName: 'metrics',
        // Every tenant's counters are in it: an operator's view.
        access: accessFor('admin'),
        routes: ['/metrics'],
      });
      services.logger.info(`metrics listening on http://${host.boundHost('metrics')}:${port}/metrics`);
    },
    shutdown: () => Promise.resolve(),
  };
}
