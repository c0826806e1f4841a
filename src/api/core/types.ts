/** core/v1 object types that more than one component reads or writes. */
import type { KubeObject } from '../../apimachinery/meta.ts';

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export type ServiceAccountSecretReference = { name?: string };
export type LocalObjectReference = { name?: string };

export interface ServiceAccount extends KubeObject {
  secrets?: ServiceAccountSecretReference[];
  imagePullSecrets?: LocalObjectReference[];
  automountServiceAccountToken?: boolean;
}
