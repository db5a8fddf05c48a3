import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { noteRequest } from '@pixelflow/service-kit';
import { metrics } from '@pixelflow/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorCode } from './errors.ts';

const operations = metrics.graphqlOperations();
const durations = metrics.graphqlDuration();

/** Error codes as labels: the product's and GraphQL's own are upper snake case; anything else is not a new series. */
const codeLabel = (code: unknown): string =>
  typeof code === 'string' && /^[A-Z][A-Z_]{0,47}$/.test(code) ? code : 'OTHER';

/** The HTTP requests whose operation the plugin counted. */
const counted = new WeakSet<FastifyRequest>();
/** The code each request refused before Apollo ran it was answered with. */
const refusals = new WeakMap<FastifyRequest, string>();

/** Notes the code a GraphQL request is refused with before Apollo runs it, for countRefusals. */
export function noteRefusal(request: FastifyRequest, code: string): void {
  refusals.set(request, code);
}

/**
 * Counts the GraphQL requests refused before Apollo runs them (a limit, a bad token, a malformed
 * upload, a body Apollo cannot read), which the plugin never sees: as `invalid` operations with
 * the code they were answered with (noteRefusal; else BAD_REQUEST for Apollo's own 400s).
 */
export function countRefusals(app: FastifyInstance, service: string, path: string): void {
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400 || counted.has(request)) return;
    if ((request.method !== 'GET' && request.method !== 'POST') || request.url.split('?', 1)[0] !== path)
      return;
    const outcome = codeLabel(
      refusals.get(request) ?? (reply.statusCode === 400 ? 'BAD_REQUEST' : undefined),
    );
    operations.inc({ service, type: 'invalid', operation: 'invalid', outcome });
  });
}

/**
 * Counts and times every GraphQL operation over HTTP, by type and root field: the client's
 * operation name goes to no label (a client would make a series per name), and a document
 * with several root fields counts as `multiple`, so that the series stay as few as the schema's
 * root fields. A document that does not parse or validate is `invalid`. The operation goes into
 * the request's access log line too (noteRequest), with the client's name for it.
 */
export function metricsPlugin<Context extends BaseContext>(
  service: string,
  requestOf: (context: Context) => FastifyRequest | undefined,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, errors, contextValue, request }) {
          let type = 'invalid';
          let root = 'invalid';
          if (operation) {
            type = operation.operation;
            const fields = new Set<string>();
            for (const selection of operation.selectionSet.selections) {
              fields.add(selection.kind === 'Field' ? selection.name.value : 'fragment');
            }
            root = fields.size === 1 ? [...fields][0]! : 'multiple';
          }
          const outcome = errors?.length ? codeLabel(errorCode(errors[0]!)) : 'ok';
          operations.inc({ service, type, operation: root, outcome });
          const http = requestOf(contextValue);
          if (http) {
            counted.add(http);
            const name = request.operationName?.replace(/[^\w-]/g, '').slice(0, 64) || undefined;
            noteRequest(http, { operation: root, operationName: name });
          }
          durations.observe({ service, type, operation: root }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
