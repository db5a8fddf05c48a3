import type { Resolvers } from '../generated/resolvers.ts';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, { identity, accounts }) =>
      identity.userId ? accounts.userById(identity.userId) : null,
  },
  Mutation: {
    register: (_parent, { email, password }, { accounts, identity }) =>
      accounts.register(email, password, identity.ip),
    login: (_parent, { email, password }, { accounts, identity }) =>
      accounts.login(email, password, identity.ip),
    refreshToken: (_parent, { refreshToken }, { accounts }) => accounts.refresh(refreshToken),
    logout: (_parent, { refreshToken }, { accounts }) => accounts.logout(refreshToken),
  },
  User: {
    __resolveReference: (reference, { accounts, identity }) =>
      accounts.entityFor(reference.id, identity.userId),
  },
};
