import { GraphQLJSON } from 'graphql-scalars';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { Resolvers } from '../generated/resolvers.ts';

export const resolvers: Resolvers = {
  Upload: GraphQLUpload,
  JSON: GraphQLJSON,
  Query: {
    converters: (_parent, _args, { registry }) =>
      registry.list().map((converter) => ({
        id: converter.id,
        title: converter.description?.title ?? converter.id,
        description: converter.description?.description ?? '',
        params: converter.description?.params ?? {},
        healthy: converter.healthy,
      })),
  },
  Mutation: {
    convertImage: (_parent, { file, converter, params }, { intake, identity }) =>
      intake.submit({ file, converter, params, identity }),
  },
};
