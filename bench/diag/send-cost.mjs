// bench/diag/send-cost.mjs — scripts/loopback.sh node bench/diag/send-cost.mjs
// does RTCDataChannel.send cost more for bytes than for a string, or with a small buffer?
import { startBenchServer } from '../lib/server.mjs';
import { launch } from '../lib/browser.mjs';
import { setupPair } from '../harness/pair.mjs';
const server = await startBenchServer({});
const l = await launch();
const pair = await setupPair({ context: l.context, server, withLib: false });
const variants = [['string 1M', 1 << 20, 256 << 10, false], ['bytes 1M', 1 << 20, 256 << 10, true], ['string 128K', 128 << 10, 32 << 10, false], ['bytes 128K', 128 << 10, 32 << 10, true]];
const res = Object.fromEntries(variants.map(([n]) => [n, []]));
await pair.a.evaluate(() => B.rawThroughput('pair', 300, 8192));
for (let r = 0; r < 5; r++) for (const [n, hi, lo, bin] of variants) {
  const ms = await pair.a.evaluate(([hi, lo, bin]) => B.rawThroughput('pair', 1000, 8192, hi, lo, bin), [hi, lo, bin]);
  const send = await pair.a.evaluate(() => B.lastSendMs);
  res[n].push(`${Math.round(1000 * 1000 / ms)}/s send ${Math.round(send * 1000 / 1000)}µs`);
}
for (const [n, v] of Object.entries(res)) console.log(n.padEnd(12), v.join(' | '));
await pair.close(); await l.browser.close(); await server.close(); process.exit(0);
