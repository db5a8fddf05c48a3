/**
 * A WebSocket for graphql-ws in tests: a server that acknowledges the connection and answers
 * pings while `alive`; set `alive` false for a connection that died without a close (nothing
 * comes back, and a close never completes).
 */
export class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static instances: FakeWebSocket[] = [];

  readyState = FakeWebSocket.CONNECTING;
  alive = true;
  /** What the client sent, parsed. */
  readonly sent: Array<{ type: string; id?: string; payload?: unknown }> = [];
  closedWith: { code: number; reason: string } | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocol?: string,
  ) {
    FakeWebSocket.instances.push(this);
    setTimeout(() => {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.({});
    }, 0);
  }

  send(data: string): void {
    const message = JSON.parse(data) as { type: string; id?: string };
    this.sent.push(message);
    if (message.type === 'connection_init') this.#reply({ type: 'connection_ack' });
    if (message.type === 'ping') this.#reply({ type: 'pong' });
  }

  /** A message from the server. */
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  /** The id of the client's last subscribe. */
  get subscriptionId(): string | undefined {
    return this.sent.findLast((message) => message.type === 'subscribe')?.id;
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= FakeWebSocket.CLOSING) return;
    this.closedWith = { code, reason };
    this.readyState = FakeWebSocket.CLOSING;
    if (!this.alive) return;
    setTimeout(() => {
      this.readyState = FakeWebSocket.CLOSED;
      this.onclose?.({ code, reason });
    }, 0);
  }

  #reply(message: unknown): void {
    if (!this.alive) return;
    setTimeout(() => {
      if (this.alive && this.readyState === FakeWebSocket.OPEN) this.receive(message);
    }, 0);
  }
}
