/**
 * The import rules of docs/architecture.md ("Parts and what each may import"), enforced by
 * `npm run lint:deps`. Paths are relative to packages/skein.
 */
const SRC = '^packages/skein/src/';
module.exports = {
  forbidden: [
    {
      name: 'model-imports-nothing-of-ours',
      comment: 'model is the base of everything: it may not import any other part.',
      severity: 'error',
      from: { path: `${SRC}model/` },
      to: { path: SRC, pathNot: `${SRC}model/` },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'cli wires the parts together; no part depends on it.',
      severity: 'error',
      from: { pathNot: `${SRC}cli/` },
      to: { path: `${SRC}cli/` },
    },
    {
      name: 'storage-imports-only-model',
      severity: 'error',
      from: { path: `${SRC}storage/` },
      to: { path: SRC, pathNot: [`${SRC}storage/`, `${SRC}model/`] },
    },
    {
      name: 'query-imports-only-model-and-storage',
      comment:
        'alert notifications (query/alerts) retry with the one retry policy of collector/pipeline, and nothing else of the collector.',
      severity: 'error',
      from: { path: `${SRC}query/` },
      to: {
        path: SRC,
        pathNot: [
          `${SRC}query/`,
          `${SRC}model/`,
          `${SRC}storage/`,
          `${SRC}component/`,
          `${SRC}telemetry/`,
          `${SRC}collector/pipeline/retry-policy\\.ts$`,
        ],
      },
    },
    {
      name: 'receivers-import-model-and-pipeline',
      severity: 'error',
      from: { path: `${SRC}collector/receivers/` },
      to: {
        path: SRC,
        pathNot: [`${SRC}collector/receivers/`, `${SRC}collector/pipeline/`, `${SRC}component/`, `${SRC}model/`, `${SRC}telemetry/`],
      },
    },
    {
      name: 'processors-and-sampling-import-model',
      comment: 'a stage is a pure (batch) -> batch function: it never reaches around the pipeline to storage.',
      severity: 'error',
      from: { path: `${SRC}collector/(processors|sampling)/` },
      to: {
        path: SRC,
        pathNot: [`${SRC}collector/(processors|sampling|pipeline)/`, `${SRC}component/`, `${SRC}model/`, `${SRC}telemetry/`],
      },
    },
    {
      name: 'metrics-tap-imports-model-pipeline-and-storage-types',
      comment:
        'collector/metrics (the metrics tap: span metrics, service graph) counts spans and writes through the host store; it reads the ot tracestate helpers of processors.',
      severity: 'error',
      from: { path: `${SRC}collector/metrics/` },
      to: {
        path: SRC,
        pathNot: [
          `${SRC}collector/(metrics|pipeline)/`,
          `${SRC}collector/processors/ot-tracestate\\.ts$`,
          `${SRC}component/`,
          `${SRC}model/`,
          `${SRC}storage/metrics-store\\.ts$`,
          `${SRC}telemetry/`,
        ],
      },
    },
    {
      name: 'exporters-import-model-storage-pipeline',
      severity: 'error',
      from: { path: `${SRC}collector/exporters/` },
      to: {
        path: SRC,
        pathNot: [`${SRC}collector/(exporters|pipeline)/`, `${SRC}component/`, `${SRC}model/`, `${SRC}storage/`, `${SRC}telemetry/`],
      },
    },
    {
      name: 'pipeline-holds-the-contracts-and-imports-no-component',
      comment:
        'collector/pipeline holds the contracts (SpanConsumer, ConsumeResult, SpanProcessor, SpanStage, factories): processors, sampling, receivers and exporters import it, it imports none of them.',
      severity: 'error',
      from: { path: `${SRC}collector/pipeline/` },
      to: { path: SRC, pathNot: [`${SRC}collector/pipeline/`, `${SRC}component/`, `${SRC}model/`, `${SRC}telemetry/`] },
    },
    {
      name: 'component-contract-imports-only-model-storage-types-and-telemetry',
      comment:
        'the kind-independent component contract (factories, lifecycle, host) is the base of every component: it depends on no component.',
      severity: 'error',
      from: { path: `${SRC}component/` },
      to: { path: SRC, pathNot: [`${SRC}component/`, `${SRC}model/`, `${SRC}storage/trace-store\\.ts$`, `${SRC}telemetry/`] },
    },
    {
      name: 'telemetry-imports-nothing-of-ours',
      comment: "Skein's own metrics: every part may count into them, so they depend on no part.",
      severity: 'error',
      from: { path: `${SRC}telemetry/` },
      to: { path: SRC, pathNot: `${SRC}telemetry/` },
    },
    {
      name: 'loadgen-imports-only-model',
      comment: 'the load generator is an OTLP client: it shares the model and codecs, nothing of the server.',
      severity: 'error',
      from: { path: `${SRC}loadgen/` },
      to: { path: SRC, pathNot: [`${SRC}loadgen/`, `${SRC}model/`] },
    },
    {
      name: 'ui-and-backend-stay-apart',
      comment: 'the UI talks to the native HTTP API only; the backend serves its built files, never its code.',
      severity: 'error',
      from: { path: '^packages/(ui|skein)/' },
      to: { path: '^packages/(ui|skein)/', pathNot: '^packages/$1/' },
    },
    {
      name: 'sdk-node-is-light',
      comment: 'apps install sdk-node: it must never pull in the backend.',
      severity: 'error',
      from: { path: '^packages/sdk-node/' },
      to: { path: '^packages/skein/' },
    },
    {
      name: 'sdk-node-depends-on-opentelemetry-only',
      severity: 'error',
      from: { path: '^packages/sdk-node/src/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: 'node_modules/@opentelemetry/',
      },
    },
    {
      name: 'demo-uses-sdk-node-opentelemetry-and-drivers-only',
      comment:
        "the demo is an app like any user's: @skein/sdk-node, OpenTelemetry JS and real drivers (sql.js), never the backend (packages/skein) or the UI.",
      severity: 'error',
      from: { path: '^packages/demo/src/' },
      to: {
        dependencyTypesNot: ['core'],
        pathNot: ['^packages/demo/src/', '^packages/sdk-node/', 'node_modules/@opentelemetry/', 'node_modules/(@types/)?sql\\.js/'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // Resolves `./x.js` imports to `./x.ts` the way tsc does (NodeNext).
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
  },
};
