import { z } from 'zod';

/**
 * What the `kafka` exporter and the `kafka` receiver must agree on, in one place: the broker list,
 * the topic and the message encoding (the OpenTelemetry Collector's kafkaexporter/kafkareceiver
 * key names and defaults), the client id, and the header a message's tenant rides in.
 */

/** The header that carries a message's tenant (ARCHITECTURE decision 10): the exporter writes it, the receiver restores it. */
export const KAFKA_TENANT_HEADER = 'skein-tenant';

const brokerSchema = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port');

/** The connection keys both Kafka components take, for their `z.object` shapes. */
export const KAFKA_CONNECTION_FIELDS = {
  brokers: z.array(brokerSchema).min(1).default(['localhost:9092']),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name')
    .default('otlp_spans'),
  encoding: z.literal('otlp_proto').default('otlp_proto'),
  client_id: z.string().min(1).default('skein'),
} as const;
