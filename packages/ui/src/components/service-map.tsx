import { useState, type ReactNode } from 'react';
import { formatErrorPercent, formatRateAndP99 } from '../model/red-format';
import type { EdgeSeverity, GraphEdge, GraphLayout, GraphNode } from '../model/service-graph';
import { serviceColor } from '../model/service-colors';
import { VIRTUAL_KIND_LABELS } from '../model/service-map-source';

const SEVERITIES: EdgeSeverity[] = ['ok', 'warn', 'error'];

interface Props {
  layout: GraphLayout;
  onOpenService(service: string): void;
}

/**
 * The service graph as SVG: services are circles sized by calls, edges are curves whose width
 * follows the call count and whose colour says how many of the calls failed. Hovering a service
 * fades everything it is not connected to. Virtual nodes (databases, queues, peers without spans
 * of their own) have a dashed grey outline and their kind written inside. A label with no free spot
 * near its edge is hidden and shows while its edge is hovered or focused (its tooltip says it too).
 */
export function ServiceMap({ layout, onOpenService }: Props): ReactNode {
  const [focus, setFocus] = useState<string | undefined>();
  /** The edge under the pointer or keyboard focus: its label shows even when it had no free spot. */
  const [shownEdge, setShownEdge] = useState<string | undefined>();
  const connected = (from: string, to: string): boolean => focus === undefined || from === focus || to === focus;
  const neighbours = new Set(layout.edges.filter((edge) => connected(edge.from, edge.to)).flatMap((edge) => [edge.from, edge.to]));
  return (
    <div className="service-map-canvas">
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        role="img"
        aria-label={`Service map: ${layout.nodes.length} services, ${layout.edges.length} connections`}
      >
        <defs>
          {SEVERITIES.map((severity) => (
            <marker
              key={severity}
              id={`arrow-${severity}`}
              viewBox="0 0 10 10"
              refX="8"
              refY="5"
              markerWidth="9"
              markerHeight="9"
              markerUnits="userSpaceOnUse"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" className={`map-arrow ${severity}`} />
            </marker>
          ))}
        </defs>
        {/* Every line before any label: a label's halo then masks whatever line passes under it
            (error edges are drawn last, and drew over the labels of edges drawn before them). */}
        {layout.edges.map((edge) => {
          const key = `${edge.from}→${edge.to}`;
          const show = (): void => setShownEdge(key);
          const hide = (): void => setShownEdge((shown) => (shown === key ? undefined : shown));
          return (
            <g
              key={key}
              className={`map-edge-line ${edge.severity}${connected(edge.from, edge.to) ? '' : ' faded'}`}
              onMouseEnter={show}
              onMouseLeave={hide}
              // Only an edge whose label is hidden takes keyboard focus: focus is the keyboard's hover.
              {...(edge.labelHidden ? { tabIndex: 0, role: 'img', 'aria-label': edgeTitle(edge), onFocus: show, onBlur: hide } : {})}
            >
              <path d={edge.path} strokeWidth={edge.width} markerEnd={`url(#arrow-${edge.severity})`} />
              {/* A wider invisible stroke, so a thin line is easy to hover. */}
              <path d={edge.path} className="map-edge-hit" />
              <title>{edgeTitle(edge)}</title>
            </g>
          );
        })}
        {layout.edges.map((edge) => (
          <g
            key={`${edge.from}→${edge.to}`}
            className={`map-edge ${edge.severity}${connected(edge.from, edge.to) ? '' : ' faded'}${
              edge.labelHidden ? (shownEdge === `${edge.from}→${edge.to}` ? ' label-hidden shown' : ' label-hidden') : ''
            }`}
            data-from={edge.from}
            data-to={edge.to}
          >
            {edge.red && edge.labelErrors ? (
              // Two lines: the error share under rate and p99, so the label stays narrow.
              <text x={edge.labelX} y={edge.labelY - 6.5} textAnchor="middle" dominantBaseline="middle" className="map-edge-label">
                {edge.labelText}
                <tspan x={edge.labelX} dy={13} className="map-edge-errors">
                  {edge.labelErrors}
                </tspan>
              </text>
            ) : (
              <text x={edge.labelX} y={edge.labelY} textAnchor="middle" dominantBaseline="middle" className="map-edge-label">
                {edge.labelText}
                {edge.labelErrors && <tspan className="map-edge-errors">{edge.labelErrors}</tspan>}
              </text>
            )}
            <title>{edgeTitle(edge)}</title>
          </g>
        ))}
        {layout.nodes.map((node) => (
          <g
            key={node.name}
            className={`map-node${node.virtual ? ' virtual' : ''}${focus !== undefined && !neighbours.has(node.name) && node.name !== focus ? ' faded' : ''}`}
            data-service={node.name}
            data-type={node.type}
            transform={`translate(${node.x} ${node.y})`}
            role="link"
            tabIndex={0}
            aria-label={`Search traces of ${node.name}`}
            onClick={() => onOpenService(node.name)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                onOpenService(node.name);
              }
            }}
            onMouseEnter={() => setFocus(node.name)}
            onMouseLeave={() => setFocus(undefined)}
            onFocus={() => setFocus(node.name)}
            onBlur={() => setFocus(undefined)}
          >
            {node.virtual ? (
              <>
                <circle r={node.radius} className="map-node-circle map-node-virtual" />
                <text textAnchor="middle" dominantBaseline="central" className="map-node-kind">
                  {VIRTUAL_KIND_LABELS[node.type] ?? 'EXT'}
                </text>
              </>
            ) : (
              <circle
                r={node.radius}
                style={{ stroke: serviceColor(node.name), fill: serviceColor(node.name) }}
                className="map-node-circle"
              />
            )}
            {node.errorsIn > 0 && <circle r={node.radius + 4} className="map-node-error-ring" />}
            <text y={node.radius + 16} textAnchor="middle" className="map-node-name">
              {node.name}
            </text>
            <text y={node.radius + 30} textAnchor="middle" className="map-node-stats">
              {node.stats}
            </text>
            {node.statsErrors && (
              <text y={node.radius + 44} textAnchor="middle" className="map-node-stats map-node-errors">
                {node.statsErrors}
              </text>
            )}
            <title>{nodeTitle(node)}</title>
          </g>
        ))}
      </svg>
    </div>
  );
}

function edgeTitle(edge: GraphEdge): string {
  const counts = `${edge.callCount.toLocaleString('en')} calls, ${edge.errorCount.toLocaleString('en')} errors`;
  const red = edge.red ? ` (${formatRateAndP99(edge.red)}, ${formatErrorPercent(edge.red.errorRatio)} errors)` : '';
  return `${edge.from} → ${edge.to}: ${counts}${red}`;
}

function nodeTitle(node: GraphNode): string {
  const kind = node.virtual ? ` (${node.type.replace('_', ' ')}, no spans of its own)` : '';
  const red = node.red ? `; ${formatRateAndP99(node.red)}, ${formatErrorPercent(node.red.errorRatio)} errors` : '';
  const counts = `${node.callsIn.toLocaleString('en')} calls in, ${node.callsOut.toLocaleString('en')} out, ${node.errorsIn.toLocaleString('en')} errors`;
  return `${node.name}${kind}: ${counts}${red} — click to search its traces`;
}
