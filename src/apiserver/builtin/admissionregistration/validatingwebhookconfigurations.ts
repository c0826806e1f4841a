/**
 * ValidatingWebhookConfigurations (admissionregistration.k8s.io/v1, cluster-scoped): stored,
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

export const validatingWebhookConfigurations = builtin({
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingwebhookconfigurations',
  singular: 'validatingwebhookconfiguration',
  kind: 'ValidatingWebhookConfiguration',
  namespaced: false,
  categories: ['api-extensions'],
  schema: webhookSchema(
    'Validating admission webhooks: what they are called for and how to reach them.',
    false,
  ),
  definitionName: 'io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration',
  strategy: {
    prepareForCreate: (obj) => defaultWebhooks(obj, false),
    prepareForUpdate: (obj) => defaultWebhooks(obj, false),
    validate: (obj) => validateWebhooks(obj, false),
    warningsOnCreate: () => [WEBHOOKS_NOT_CALLED_WARNING],
    generationChanged: (obj, old) => JSON.stringify(obj.webhooks) !== JSON.stringify(old.webhooks),
    allowUnconditionalUpdate: true,
    columns: webhookColumns,
    cells: webhookCells,
  },
});
