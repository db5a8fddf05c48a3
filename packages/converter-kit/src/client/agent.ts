import { Agent } from 'undici';

// Converters get their own pool: a slow conversion must not hold connections that internal
// calls need.
export const converterAgent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
