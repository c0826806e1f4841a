/**
 * NamespaceLifecycle (as upstream): new objects only go into namespaces that exist and are
 * not terminating, and the system namespaces cannot be deleted — except when their whole
 * logical cluster is being deleted (kcp), which also takes no new content.
 */
import { forbidden, notFound } from '../../apimachinery/status.ts';
import type { Client } from '../../controller/client.ts';
import { SYSTEM_NAMESPACES } from '../bootstrap.ts';
import { phase } from '../builtin/core/namespaces.ts';
import type { AdmissionPlugin } from './admission.ts';

const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
const IMMORTAL: ReadonlySet<string> = new Set(SYSTEM_NAMESPACES);

export function namespaceLifecycle(
  client: Client,
  clusterTerminating: (cluster: string) => boolean = () => false,
): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async validate(request) {
      const { scope, operation } = request;
      const terminating = clusterTerminating(scope.cluster);
      if (operation === 'CREATE' && terminating) {
        throw forbidden(
          { group: scope.type.group, resource: scope.type.names.plural },
          request.name,
          'unable to create new content in a workspace that is being deleted',
        );
      }
      const isNamespace = scope.type.group === '' && scope.type.names.plural === 'namespaces';
      if (isNamespace) {
        if (operation === 'DELETE' && IMMORTAL.has(request.name) && !terminating) {
          throw forbidden(
            { group: '', resource: 'namespaces' },
            request.name,
            'this namespace may not be deleted',
          );
        }
        return;
      }
      if (operation !== 'CREATE' || !scope.type.namespaced || !request.namespace) return;
      const ns = await client.resource(scope.cluster, NAMESPACES).find(request.namespace);
      if (!ns) throw notFound({ group: '', resource: 'namespaces' }, request.namespace);
      if (phase(ns) === 'Terminating') {
        throw forbidden(
          { group: scope.type.group, resource: scope.type.names.plural },
          request.name,
          `unable to create new content in namespace ${request.namespace} because it is being terminated`,
        );
      }
    },
  };
}
