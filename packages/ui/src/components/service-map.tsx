import { useState, type ReactNode } from 'react';
import type { EdgeSeverity, GraphLayout } from '../model/service-graph';
import { serviceColor } from '../model/service-colors';

const SEVERITIES: EdgeSeverity[] = ['ok', 'warn', 'error'];

interface Props {
  layout: GraphLayout;
  onOpenService(service: string): void;
}

/**
 * The service graph as SVG: services are circles sized by calls, edges are curves whose width
 * follows the call count and whose colour says how many of the calls failed. Hovering a service
 * fades everything it is not connected to.
 */
export function ServiceMap({ layout, onOpenService }: Props): ReactNode {
  const [focus, setFocus] = useState<string | undefined>();
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
        {layout.edges.map((edge) => (
          <g
            key={`${edge.from}→${edge.to}`}
            className={`map-edge ${edge.severity}${connected(edge.from, edge.to) ? '' : ' faded'}`}
            data-from={edge.from}
            data-to={edge.to}
          >
            <path d={edge.path} strokeWidth={edge.width} markerEnd={`url(#arrow-${edge.severity})`}>
              <title>{`${edge.from} → ${edge.to}: ${edge.callCount.toLocaleString('en')} calls, ${edge.errorCount.toLocaleString('en')} errors`}</title>
            </path>
            <text x={edge.labelX} y={edge.labelY} textAnchor="middle" dominantBaseline="middle" className="map-edge-label">
              {edge.callCount.toLocaleString('en')}
              {edge.errorCount > 0 && <tspan className="map-edge-errors">{` · ${edge.errorCount.toLocaleString('en')} err`}</tspan>}
            </text>
          </g>
        ))}
        {layout.nodes.map((node) => (
          <g
            key={node.name}
            className={`map-node${focus !== undefined && !neighbours.has(node.name) && node.name !== focus ? ' faded' : ''}`}
            data-service={node.name}
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
            <circle
              r={node.radius}
              style={{ stroke: serviceColor(node.name), fill: serviceColor(node.name) }}
              className="map-node-circle"
            />
            {node.errorsIn > 0 && <circle r={node.radius + 4} className="map-node-error-ring" />}
            <text y={node.radius + 16} textAnchor="middle" className="map-node-name">
              {node.name}
            </text>
            <text y={node.radius + 30} textAnchor="middle" className="map-node-stats">
              {node.calls.toLocaleString('en')} calls{node.errorsIn > 0 ? ` · ${node.errorsIn.toLocaleString('en')} err` : ''}
            </text>
            <title>{`${node.name}: ${node.callsIn.toLocaleString('en')} calls in, ${node.callsOut.toLocaleString('en')} out, ${node.errorsIn.toLocaleString('en')} errors — click to search its traces`}</title>
          </g>
        ))}
      </svg>
    </div>
  );
}
