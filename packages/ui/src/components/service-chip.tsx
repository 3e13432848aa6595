import type { ReactNode } from 'react';
import { serviceColor } from '../model/service-colors';

export function ServiceDot({ service }: { service: string }): ReactNode {
  return <span className="service-dot" style={{ background: serviceColor(service) }} aria-hidden="true" />;
}

export function ServiceChip({ service, count }: { service: string; count?: number }): ReactNode {
  return (
    <span className="service-chip" title={count === undefined ? service : `${service}: ${count} spans`}>
      <ServiceDot service={service} />
      {service}
      {count !== undefined && <span className="count">{count}</span>}
    </span>
  );
}
