// apollo-upload-client ships JSDoc-typed .mjs files and no declarations; this is the part we use.
declare module 'apollo-upload-client/UploadHttpLink.mjs' {
  import { ApolloLink } from '@apollo/client';

  export interface UploadHttpLinkOptions {
    /** @default '/graphql' */
    uri?: string;
    headers?: Record<string, string>;
    credentials?: RequestCredentials;
    fetch?: typeof fetch;
    fetchOptions?: RequestInit;
  }

  export default class UploadHttpLink extends ApolloLink {
    constructor(options?: UploadHttpLinkOptions);
  }
}
