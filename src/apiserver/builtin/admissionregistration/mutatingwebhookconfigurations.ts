/**
 * MutatingWebhookConfigurations (admissionregistration.k8s.io/v1, cluster-scoped): stored,
 * defaulted and validated as upstream does (webhooks.ts), never called — creating one
 * earns a warning saying so.
 */
import { builtin } from '../define.ts';
import {
  defaultWebhooks,
  validateWebhooks,
  WEBHOOKS_NOT_CALLED_WARNING,
  webhookCells,
  webhookColumns,
  webhookSchema,
} from './webhooks.ts';

export const mutatingWebhookConfigurations = builtin({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'mutatingwebhookconfigurations',
  singular: 'mutatingwebhookconfiguration',
  kind: 'MutatingWebhookConfiguration',
  namespaced: false,
  categories: ['api-extensions'],
  schema: webhookSchema(
    'Mutating admission webhooks: what they are called for and how to reach them.',
    true,
  ),
  definitionName: 'io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration',
  strategy: {
    prepareForCreate: (obj) => defaultWebhooks(obj, true),
    prepareForUpdate: (obj) => defaultWebhooks(obj, true),
    validate: (obj) => validateWebhooks(obj, true),
    warningsOnCreate: () => [WEBHOOKS_NOT_CALLED_WARNING],
    generationChanged: (obj, old) => JSON.stringify(obj.webhooks) !== JSON.stringify(old.webhooks),
    allowUnconditionalUpdate: true,
    columns: webhookColumns,
    cells: webhookCells,
  },
});
