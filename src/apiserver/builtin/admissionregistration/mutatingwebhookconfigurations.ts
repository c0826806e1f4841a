/**
 * MutatingWebhookConfigurations (admissionregistration.k8s.io/v1, cluster-scoped): stored,
 * defaulted and validated as upstream does (webhooks.ts), never called — creating one
 * earns a warning saying so.
 */
import { webhookConfigurations } from './webhooks.ts';

export const mutatingWebhookConfigurations = webhookConfigurations('Mutating');
