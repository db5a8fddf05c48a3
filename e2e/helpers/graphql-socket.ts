/** A graphql-transport-ws socket, spoken directly, as an attacker (or any client) would. */
export class GraphQLSocket {
  static readonly open: GraphQLSocket[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiting = new Map<string, (message: { type: string; payload?: unknown }) => void>();
  #acknowledged: ((ok: boolean) => void) | undefined;

  constructor(gatewayUrl: string, token?: string) {
    this.ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    GraphQLSocket.open.push(this);
    this.closed = new Promise((resolve) => {
      this.ws.addEventListener('close', (event) => {
        this.#acknowledged?.(false);
        resolve({ code: event.code, reason: event.reason });
      });
    });
    this.ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: string; type: string; payload?: unknown };
      if (message.type === 'connection_ack') this.#acknowledged?.(true);
      if (message.type === 'ping') this.ws.send(JSON.stringify({ type: 'pong' }));
      if (message.id) this.#waiting.get(message.id)?.(message);
    });
    this.acknowledged = new Promise((resolve) => {
      this.#acknowledged = resolve;
      this.ws.addEventListener('open', () =>
        this.ws.send(
          JSON.stringify({
            type: 'connection_init',
            payload: token ? { authorization: `Bearer ${token}` } : {},
          }),
        ),
      );
    });
  }

  /** Resolves true once the gateway acknowledged connection_init, false when it closed the socket. */
  readonly acknowledged: Promise<boolean>;

  /** Starts an operation once the socket is acknowledged; resolves with its first message. */
  async first(id: string, query: string, variables?: Record<string, unknown>, operationName?: string) {
    return this.firstOf(id, JSON.stringify({ query, variables, operationName }));
  }

  /** The same with the payload's JSON as it is (JSON.stringify cannot write one 100,000 deep). */
  async firstOf(id: string, payload: string) {
    if (!(await this.acknowledged)) throw new Error('the gateway closed the socket');
    const reply = new Promise<{ type: string; payload?: unknown }>((resolve) =>
      this.#waiting.set(id, resolve),
    );
    this.ws.send(`{"id":${JSON.stringify(id)},"type":"subscribe","payload":${payload}}`);
    return reply;
  }

  complete(id: string): void {
    this.ws.send(JSON.stringify({ id, type: 'complete' }));
  }

  static async closeAll(): Promise<void> {
    await Promise.all(
      GraphQLSocket.open.splice(0).map((socket) => {
        socket.ws.close();
        return socket.closed;
      }),
    );
  }
}
