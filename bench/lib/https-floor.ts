/**
 * A bare Node HTTPS server that answers every request with the same bytes, run as its
 * own process: the floor for the API's GET latency on this machine. Loaded like the API
 * server, it shows how much of the tail belongs to the machine (TLS, loopback, scheduling)
 * rather than to Canopy. Usage: node https-floor.ts <key.pem> <cert.pem> <body file>;
 * prints the port it listens on.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [keyFile, certFile, bodyFile] = process.argv.slice(2) as [string, string, string];
const body = readFileSync(bodyFile);
const server = createServer(
  { key: readFileSync(keyFile), cert: readFileSync(certFile) },
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  },
);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
