import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { noteRequest } from '@pixelflow/service-kit';
import { metrics } from '@pixelflow/telemetry';
import type { FastifyRequest } from 'fastify';

const operations = metrics.graphqlOperations();
const durations = metrics.graphqlDuration();

/** Error codes as labels: the product's and GraphQL's own are upper snake case; anything else is not a new series. */
const codeLabel = (code: unknown): string =>
  typeof code === 'string' && /^[A-Z][A-Z_]{0,47}$/.test(code) ? code : 'OTHER';

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
          const outcome = errors?.length ? codeLabel(errors[0]!.extensions?.code) : 'ok';
          operations.inc({ service, type, operation: root, outcome });
          const http = requestOf(contextValue);
          if (http) {
            const name = request.operationName?.replace(/[^\w-]/g, '').slice(0, 64) || undefined;
            noteRequest(http, { operation: root, operationName: name });
          }
          durations.observe({ service, type, operation: root }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
