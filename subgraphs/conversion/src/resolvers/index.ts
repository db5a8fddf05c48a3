import type { ConverterDescription } from '@pixelflow/converter-kit/client';
import { GraphQLJSON } from 'graphql-scalars';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { Resolvers } from '../generated/resolvers.ts';

/** As intake applies it (converter-limits.ts): over maxPixels, only `downscale` takes the image. */
function toOversize(description: ConverterDescription | null | undefined) {
  if (!description?.maxPixels) return null;
  return description.oversize === 'downscale' ? ('DOWNSCALE' as const) : ('REFUSE' as const);
}

export const resolvers: Resolvers = {
  Upload: GraphQLUpload,
  JSON: GraphQLJSON,
  Query: {
    converters: (_parent, _args, { registry, admission }) =>
      registry.list().map((converter) => {
        const heavy = converter.description?.cost === 'heavy';
        return {
          id: converter.id,
          title: converter.description?.title ?? converter.id,
          description: converter.description?.description ?? '',
          params: converter.description?.params ?? {},
          healthy: converter.healthy,
          maxPixels: converter.description?.maxPixels ?? null,
          maxOutputPixels: converter.description?.maxOutputPixels ?? null,
          oversize: toOversize(converter.description),
          cost: heavy ? ('HEAVY' as const) : ('LIGHT' as const),
          jobsAtOnce: admission.jobsAtOnce(heavy),
        };
      }),
  },
  Mutation: {
    convertImage: async (_parent, { file, converter, params, andThen }, { intake, cancels, identity }) => {
      const { id } = await intake.submit({ file, converter, params, andThen, identity });
      // A signed-in owner cancels as themselves: a token would be one more credential to keep.
      return { id, cancelToken: identity.userId ? null : cancels.tokenFor(id) };
    },
    cancelJob: async (_parent, { id, cancelToken }, { cancels, identity }) => ({
      id: (await cancels.cancel(id, cancelToken, identity)).id,
    }),
  },
  Job: {
    // Another subgraph's Job is only an id here: the token is not handed out again.
    __resolveReference: ({ id }) => ({ id }),
    cancelToken: (job) => ('cancelToken' in job ? job.cancelToken : null) ?? null,
  },
};
