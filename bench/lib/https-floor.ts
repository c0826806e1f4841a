/**
 * A bare Node HTTPS server, run as its own process: the floor for what any single-threaded
 * Node server can do on this machine, loaded like the API server.
 * - GETs are answered with the same bytes: the floor of the API's GET latency; it shows how
 *   much of the tail belongs to the machine (TLS, loopback, scheduling) rather than to Canopy.
 * - With etcd endpoints, each POST puts its body into etcd with the store's create
 *   transaction (by the store's client library, src/storage/etcd/client.ts) and answers 201
 *   with it: the floor of an API create on etcd (HTTPS and the transaction, no API logic,
 *   no watch).
 * Usage: node https-floor.ts <key.pem> <cert.pem> (<body file> | --etcd <endpoints,…>);
 * prints the port it listens on.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { CompareResult, CompareTarget, EtcdClient } from '../../src/storage/etcd/client.ts';

const [keyFile, certFile, bodyFile, endpoints] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const etcd =
  bodyFile === '--etcd' ? new EtcdClient({ endpoints: (endpoints ?? '').split(',') }) : undefined;
const body = etcd ? Buffer.alloc(0) : readFileSync(bodyFile);
let created = 0;

/** The store's create on etcd: put the key unless it exists. */
async function create(path: string, value: Buffer): Promise<void> {
  const key = Buffer.from(`/floor${path}/${created++}`);
  const res = await (etcd as EtcdClient).txn({
    compare: [
      { key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 0 },
    ],
    success: [{ request_put: { key, value } }],
    failure: [],
  });
  if (!res.succeeded) throw new Error(`${key} exists`);
}

const server = createServer(
  { key: readFileSync(keyFile), cert: readFileSync(certFile) },
  (req, res) => {
    if (!etcd) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const value = Buffer.concat(chunks);
      create(req.url ?? '/', value).then(
        () => {
          res.writeHead(201, {
            'Content-Type': 'application/json',
            'Content-Length': value.length,
          });
          res.end(value);
        },
        (err: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
  },
);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    etcd?.close();
    process.exit(0);
  }),
);
