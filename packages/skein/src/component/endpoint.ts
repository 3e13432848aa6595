import { z } from 'zod';

/**
 * A listener's `host:port`, as Collector configs write it (`0.0.0.0:4318`, `[::1]:4317`): the one
 * schema every listening component's `endpoint` key uses.
 */
export const endpointSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]*):\d{1,5}$/, 'expected host:port, e.g. 0.0.0.0:4318')
  .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'port must be 0..65535');

/** Splits `host:port` (IPv6 hosts in brackets) for listen(); an empty host is every interface. */
export function parseEndpoint(value: string): { host: string; port: number } {
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(value.slice(colon + 1)) };
}
