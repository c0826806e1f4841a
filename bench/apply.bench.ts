/**
 * Apply benchmark: server-side applies/s of a 50-field object against plain updates/s of
 * the same object, both through the API over HTTPS from a separate process, in one run.
 */
import { load, startCanopy } from './lib/canopy-server.ts';
import { Report } from './lib/report.ts';

const CONCURRENCY = 16;
const DURATION_MS = 4000;

export async function run(): Promise<Report> {
  const report = new Report('apply');
  const server = await startCanopy({ plain: true, args: ['--log-level', 'warn'] });
  try {
    const updates = await load<{ perSecond: number }>(
      'updates',
      server.kubeconfig,
      CONCURRENCY,
      DURATION_MS,
    );
    const applies = await load<{ perSecond: number }>(
      'applies',
      server.kubeconfig,
      CONCURRENCY,
      DURATION_MS,
    );
    report.metric(
      `plain updates/s, 50-field object (${CONCURRENCY} clients)`,
      updates.perSecond,
      'ops/s',
    );
    report.metric(
      `server-side applies/s, 50-field object (${CONCURRENCY} clients)`,
      applies.perSecond,
      'ops/s',
    );
    report.ratio('apply', applies.perSecond / updates.perSecond, 'applies/s ÷ updates/s', 0.5);
  } finally {
    await server.stop();
    server.cleanup();
  }
  return report;
}
