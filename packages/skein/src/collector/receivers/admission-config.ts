import { z } from 'zod';

/**
 * Admission control of a receiver (the OTel Arrow receiver's key names): bytes of request bodies
 * being read, decoded or waiting for the pipeline, across the receiver's requests; past it, 429 /
 * RESOURCE_EXHAUSTED with a retry hint. A request alone may always be served.
 */
export const admissionSchema = z
  .object({ request_limit_mib: z.number().int().positive().max(65_536).default(128) })
  .strict()
  .prefault({});
