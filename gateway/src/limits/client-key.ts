import type { IncomingMessage } from 'node:http';
import { addressKey } from '@pixelflow/service-kit';
import { clientIpResolver } from '../authentication.ts';

/**
 * Who a WebSocket client is, for the sockets-per-client cap: its address as TRUST_PROXY decides
 * it, an IPv6 one by its /64, as the conversion quotas and the sign-in throttle count it (one host
 * usually holds a whole /64: keyed by full address, it would open 32 sockets from each of 2^64).
 */
export function websocketClientKey(
  trustProxy: boolean | string | undefined,
): (request: IncomingMessage) => string {
  const clientIp = clientIpResolver(trustProxy);
  return (request) => addressKey(clientIp(request));
}
