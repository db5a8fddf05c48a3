import { AppError } from '@pixelflow/errors';
import type { Identity } from '@pixelflow/service-kit';
import type { Resolvers } from '../generated/resolvers.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../images.ts';

function signedIn(identity: Identity): string {
  if (!identity.userId) throw new AppError('UNAUTHENTICATED', 'sign in to see and change your gallery');
  return identity.userId;
}

export const resolvers: Resolvers = {
  Query: {
    image: (_parent, { id }, { gallery, identity }) => gallery.ownImage(id, identity.userId),
  },
  Mutation: {
    async deleteImage(_parent, { id }, { gallery, identity }) {
      await gallery.delete(id, signedIn(identity));
      return true;
    },
  },
  User: {
    __resolveReference: (reference) => reference,
    async images(user, { first, after }, { gallery, identity }) {
      const userId = signedIn(identity);
      if (user.id !== userId) throw new AppError('FORBIDDEN', "another user's gallery is private");
      const page = await gallery.page(userId, checkPageSize(first), after ? decodeCursor(after) : null);
      const edges = page.images.map(({ image, cursor }) => ({ cursor: encodeCursor(cursor), node: image }));
      return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  },
  Job: {
    __resolveReference: (reference) => reference,
    savedImage: (job, _args, { gallery, identity }) => gallery.savedImage(job.id, identity.userId),
  },
  Image: {
    createdAt: (image) => image.createdAt.toISOString(),
    original: (image, _args, { gallery, identity }) =>
      image.originalId ? gallery.ownImage(image.originalId, identity.userId) : null,
    url: (image, _args, { urls }) => urls.url(image.id, 'image'),
    thumbnailUrl: (image, _args, { urls }) => urls.url(image.id, 'thumbnail'),
  },
};
