/**
 * Logs the mDNS traffic on the lab LAN (scripts/lab.sh): every query and answer with its time, so
 * a failed ICE pair can be matched to the `.local` name that was never answered. Diagnostics only.
 */
import dgram from 'node:dgram';
import { LAB_ADDRESS } from '../engines.js';

/** A DNS name at `offset` (with compression); returns it and the offset after it. */
function readName(buf: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    const len = buf[offset]!;
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = offset + 2;
      offset = ((len & 0x3f) << 8) | buf[offset + 1]!;
      continue;
    }
    labels.push(buf.toString('utf8', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  return [labels.join('.'), end < 0 ? offset + 1 : end];
}

/** One line per packet: `ms Q|R questions answers` (an A answer shows its address). */
function describe(buf: Buffer): string {
  const isResponse = (buf.readUInt16BE(2) & 0x8000) !== 0;
  let offset = 12;
  const questions: string[] = [];
  const answers: string[] = [];
  for (let i = 0; i < buf.readUInt16BE(4); i++) {
    const [name, after] = readName(buf, offset);
    questions.push(name);
    offset = after + 4;
  }
  for (let i = 0; i < buf.readUInt16BE(6); i++) {
    const [name, after] = readName(buf, offset);
    const type = buf.readUInt16BE(after);
    const length = buf.readUInt16BE(after + 8);
    const data = buf.subarray(after + 10, after + 10 + length);
    answers.push(`${name}=${type === 1 ? [...data].join('.') : `type${type}`}`);
    offset = after + 10 + length;
  }
  return `${isResponse ? 'R' : 'Q'} q=[${questions}] a=[${answers}]`;
}

/** Starts listening; `stop()` returns the log. */
export function sniffMdns(): { stop(): string[] } {
  const t0 = Date.now();
  const log: string[] = [];
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (buf) => {
    try {
      log.push(`${Date.now() - t0} ${describe(buf)}`);
    } catch (error) {
      log.push(`${Date.now() - t0} unreadable packet: ${(error as Error).message}`);
    }
  });
  socket.bind(5353, () => socket.addMembership('224.0.0.251', LAB_ADDRESS));
  return {
    stop() {
      socket.close();
      return log;
    },
  };
}
