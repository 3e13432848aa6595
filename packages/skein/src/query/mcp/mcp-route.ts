import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { TraceStore } from '../../storage/trace-store.js';
import type { RouterLogger } from '../http-router.js';
import { readerFor } from '../tenant-of.js';
import { registerSkeinTools } from './mcp-tools.js';

/**
 * `/mcp` on the query port: the Model Context Protocol over Streamable HTTP (issue 16, item 4),
 * built on the official SDK. Stateless: every POST gets a fresh server bound to the reader of the
 * request's tenant (the host authenticated the request before this runs, as for every query
 * route), so there is no session to pin to a node, no session state to leak between tenants, and
 * any query node behind a load balancer can answer. Without sessions the server never pushes
 * messages, so GET (the server-to-client stream) and DELETE (session end) answer 405, as the
 * specification lets a stateless server do. Answers are plain JSON, not an SSE stream: every tool
 * answers once.
 */

export const MCP_PATH = '/mcp';
/** A tool call is a few hundred bytes; this bounds what one request may make us buffer. */
const MAX_BODY_BYTES = 1024 * 1024;

const SERVER_INFO = { name: 'skein', version: '0.1.0' };
const INSTRUCTIONS =
  'Skein stores distributed traces (OpenTelemetry). Start with list_services or get_red_metrics to see what runs and how it ' +
  'behaves, search_traces to find traces (TraceQL or filters), get_trace to read one as a summary, compare_traces to explain ' +
  'why one trace differs from another, rank_attributes to find what slow or failing spans have in common, get_dependencies for who calls whom, query_metrics for TraceQL metrics.';

function jsonRpcError(response: ServerResponse, status: number, code: number, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  if (status === 405) response.setHeader('Allow', 'POST');
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function answerMcp(store: TraceStore, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') {
    jsonRpcError(
      response,
      405,
      -32000,
      `method ${request.method ?? '?'} not allowed on ${MCP_PATH}: this MCP server is stateless, POST only`,
    );
    return;
  }
  const raw = await readBody(request);
  if (raw === undefined) {
    jsonRpcError(response, 413, -32600, `request body larger than ${MAX_BODY_BYTES} bytes`);
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    jsonRpcError(response, 400, -32700, `parse error: ${(error as Error).message}`);
    return;
  }
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });
  registerSkeinTools(server, readerFor(store, request));
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  response.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response, body);
}

/** Answers `/mcp`; passes everything else to `next`. */
export function withMcp(store: TraceStore, logger: RouterLogger, next: RequestListener): RequestListener {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== MCP_PATH) {
      next(request, response);
      return;
    }
    answerMcp(store, request, response).catch((error: unknown) => {
      logger.warn(`MCP ${request.method ?? '?'} ${MCP_PATH}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (response.headersSent) response.destroy();
      else jsonRpcError(response, 500, -32603, 'internal error');
    });
  };
}
