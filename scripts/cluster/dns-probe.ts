/**
 * `node dns-probe.ts <server> <name>`: asks a DNS server for a name's A records over UDP and prints
 * each address on a line; exit 1 without one. Run inside the cluster's namespace (no dig there).
 */
import { createSocket } from 'node:dgram';

const [server, name] = process.argv.slice(2);
if (!server || !name) {
  process.stderr.write('usage: dns-probe.ts <server> <name>\n');
  process.exit(2);
}

const id = Math.floor(Math.random() * 0xffff);
const header = Buffer.alloc(12);
header.writeUInt16BE(id, 0);
header.writeUInt16BE(0x0100, 2); // recursion desired
header.writeUInt16BE(1, 4); // one question
const labels = name
  .replace(/\.$/, '')
  .split('.')
  .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
const question = Buffer.concat([...labels, Buffer.from([0, 0, 1, 0, 1])]); // A, IN

/** Skips a (possibly compressed) name at `offset`; returns the offset after it. */
function skipName(message: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    const length = message[at]!;
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    at += length + 1;
  }
}

const socket = createSocket('udp4');
const timer = setTimeout(() => {
  process.stderr.write('no answer\n');
  process.exit(1);
}, 3000);
socket.on('message', (message) => {
  if (message.readUInt16BE(0) !== id) return;
  clearTimeout(timer);
  socket.close();
  const answers = message.readUInt16BE(6);
  let offset = skipName(message, 12) + 4;
  const addresses: string[] = [];
  for (let i = 0; i < answers; i++) {
    offset = skipName(message, offset);
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 8);
    if (type === 1 && length === 4) addresses.push([...message.subarray(offset + 10, offset + 14)].join('.'));
    offset += 10 + length;
  }
  for (const address of addresses) process.stdout.write(`${address}\n`);
  process.exit(addresses.length > 0 ? 0 : 1);
});
socket.send(Buffer.concat([header, question]), 53, server);
