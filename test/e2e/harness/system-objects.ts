/**
 * What Canopy, like Kubernetes, puts in every namespace by itself (the ConfigMap
 * kube-root-ca.crt; the ServiceAccount default is not a ConfigMap): tests about their own
 * objects leave it out, as they would against a real cluster.
 */
import { ROOT_CA_CONFIGMAP } from '../../../src/apiserver/controllers/root-ca-publisher/root-ca-publisher.ts';

export { ROOT_CA_CONFIGMAP };

/** The lines of `kubectl get configmaps -o name` output, without the root CA ConfigMap. */
export function ownConfigMaps(output: string): string[] {
  return output
    .trim()
    .split('\n')
    .filter((line) => line !== '' && line !== `configmap/${ROOT_CA_CONFIGMAP}`);
}
