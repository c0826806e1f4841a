/**
 * `canopy hub`: the provider hub and portal as their own process, against any
 * kcp-compatible control plane (another Canopy, or kcp), through its public API with an
 * admin kubeconfig. Prints a line containing `ready` with the hub's URL once the catalog
 * is loaded, writes that URL to `<data-dir>/hub-url`, and stops cleanly on SIGTERM/SIGINT.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { compileAuthenticators } from '../apiserver/authn/oidc/authentication-config.ts';
import { servingHosts } from '../apiserver/tls/pki.ts';
import { BUILTIN_PROVIDERS, type BuiltinProvider, builtinsNamed } from '../hub/builtins/index.ts';
import { DEFAULT_HUB_PORT, HUB_URL_FILE, Hub } from '../hub/hub.ts';
import type { OidcClientOptions } from '../hub/sso/oidc-client.ts';
import { hubServingCertificate } from '../hub/tls.ts';
import { createLogger, type LogFormat } from '../logging/logger.ts';
import { hubSignInOf, jwtAuthenticationOf } from './authentication-flags.ts';
import { listFlag, parsePort } from './flags.ts';

interface HubFlags {
  kubeconfig?: string;
  context?: string;
  dataDir: string;
  port: string;
  bind: string;
  uiDir?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  builtinProviders: string;
  logFormat?: LogFormat;
  logLevel?: string;
  oidcIssuerUrl?: string;
  oidcClientId?: string;
  oidcCaFile?: string;
  oidcClientSecretFile?: string;
}

export function registerHub(program: Command): void {
  program
    .command('hub')
    .description(
      'run the provider hub and portal on their own, against a kcp-compatible control plane',
    )
    .option(
      '--kubeconfig <file>',
      'an admin kubeconfig of the control plane (default: $KUBECONFIG)',
    )
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option(
      '--data-dir <dir>',
      'where the hub keeps its CA, serving certificate and hub-url',
      '.canopy-hub',
    )
    .option('--port <port>', 'HTTPS port (0 picks a free one)', String(DEFAULT_HUB_PORT))
    .option('--bind <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--ui-dir <dir>',
      "the portal's built assets served under /ui/ (default: web/dist of this checkout)",
    )
    .option(
      '--builtin-providers <names>',
      `first-party providers to offer, comma-separated (${BUILTIN_PROVIDERS.map((b) => b.name).join(', ')})`,
      '',
    )
    .option(
      '--tls-cert-file <file>',
      'serving certificate (PEM) instead of one issued by the CA in --data-dir',
    )
    .option('--tls-private-key-file <file>', 'the key of --tls-cert-file (PEM)')
    .option(
      '--oidc-issuer-url <url>',
      'offer "Sign in with <issuer>" in the portal: the OpenID issuer the control plane trusts',
    )
    .option(
      '--oidc-client-id <id>',
      "the hub's client ID there (an audience the control plane accepts ID tokens for)",
    )
    .option('--oidc-ca-file <file>', "PEM CA certificates for the issuer's TLS")
    .option(
      '--oidc-client-secret-file <file>',
      "the hub's client secret there (without it: a public client, PKCE only)",
    )
    .option('--log-format <format>', 'json or text (default: text on a terminal, json otherwise)')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .addHelpText(
      'after',
      `
The hub makes the catalog workspace root:kedge (CatalogEntries live there) and one
workspace per provider under root:kedge:providers. A control plane that does not serve
CatalogEntries itself (kcp) gets their CRD there; one without workspaces is refused.
Several hubs may run against one control plane: one reconciles, all serve. Without
--tls-cert-file it serves a certificate from its own CA, <data-dir>/ca.crt; clients
trust that file:

  curl --cacert <data-dir>/ca.crt -H "Authorization: Bearer $TOKEN" "$(cat <data-dir>/hub-url)/api/providers"`,
    )
    .action(async (flags: HubFlags) => {
      const logger = createLogger({
        name: 'hub',
        ...(flags.logFormat ? { format: flags.logFormat } : {}),
        ...(flags.logLevel ? { level: flags.logLevel } : {}),
      });
      const kubeconfig = flags.kubeconfig ?? process.env.KUBECONFIG?.split(':')[0];
      if (!kubeconfig)
        program.error('canopy hub needs an admin kubeconfig: pass --kubeconfig or set KUBECONFIG');
      if (Boolean(flags.tlsCertFile) !== Boolean(flags.tlsPrivateKeyFile))
        program.error('--tls-cert-file and --tls-private-key-file go together');
      let port = 0;
      let builtins: BuiltinProvider[] = [];
      let signIn: OidcClientOptions | undefined;
      try {
        port = parsePort('--port', flags.port);
        const jwt = jwtAuthenticationOf({
          oidcIssuerUrl: flags.oidcIssuerUrl,
          oidcClientId: flags.oidcClientId,
          oidcCaFile: flags.oidcCaFile,
        });
        // The issuer checked as the API server checks it (an https URL, …).
        if (jwt) compileAuthenticators(jwt);
        signIn = hubSignInOf(jwt, flags.oidcClientSecretFile, '--oidc-client-secret-file');
        builtins = builtinsNamed(listFlag(flags.builtinProviders));
      } catch (err) {
        program.error((err as Error).message);
      }
      const dataDir = resolve(flags.dataDir);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const tls =
        flags.tlsCertFile && flags.tlsPrivateKeyFile
          ? {
              cert: readFileSync(flags.tlsCertFile, 'utf8'),
              key: readFileSync(flags.tlsPrivateKeyFile, 'utf8'),
            }
          : await hubServingCertificate(dataDir, servingHosts(flags.bind));
      logger.info({ kubeconfig }, 'starting the hub; waiting for the control plane');
      const hub = await Hub.start({
        kubeconfig,
        ...(flags.context ? { context: flags.context } : {}),
        port,
        bind: flags.bind,
        tls,
        ...(flags.uiDir ? { uiDir: flags.uiDir } : {}),
        logger,
        builtins,
        ...(signIn ? { signIn } : {}),
      });
      writeFileSync(join(dataDir, HUB_URL_FILE), `${hub.url}\n`);
      if (logger.isLevelEnabled('info')) {
        logger.info({ url: hub.url, controlPlane: hub.controlPlane.origin }, 'Canopy hub ready');
      } else {
        process.stdout.write(`Canopy hub ready at ${hub.url}\n`);
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        await hub.stop();
        logger.info('stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}
