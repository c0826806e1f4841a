/**
 * What Mutating- and ValidatingWebhookConfigurations (admissionregistration.k8s.io/v1)
 * share: the schema of a webhook, upstream's defaults (failurePolicy Fail, matchPolicy
 * Equivalent, empty selectors, a 10 s timeout, service port 443) and validation (names,
 * client config, rules, side effects, review versions). Canopy stores these but never
 * calls a webhook — nothing runs the services they name — and says so when one is created.
 * `webhookConfigurations` makes the resource type of either kind.
 */
import {
  duplicate,
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  required,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  integer,
  keyedList,
  labelSelector,
  object,
  string,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { isDNS1123Subdomain } from '../../../apimachinery/validation/names.ts';
import type { ResourceType } from '../../registry/resource-type.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';

const WEBHOOKS_NOT_CALLED_WARNING =
  'Canopy stores admission webhook configurations but never calls the webhooks: writes are admitted without them';

const WEBHOOKS = FieldPath.root('webhooks');
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'] as const;

function webhookSchema(description: string, mutating: boolean): BuiltinSchema {
  return object(description, {
    webhooks: keyedList(
      'The webhooks and what they are called for.',
      object(
        'One webhook.',
        {
          name: string('A fully qualified name, e.g. `vcluster.cnpg.io`.'),
          clientConfig: object('How to reach the webhook.', {
            url: string('An https URL.'),
            service: object('A Service of the cluster.', {
              namespace: string('Its namespace.'),
              name: string('Its name.'),
              path: string('The URL path sent to.'),
              port: integer('The Service port (default 443).', { format: 'int32' }),
            }),
            caBundle: string("The CA that signs the webhook's certificate.", { format: 'byte' }),
          }),
          rules: atomicList(
            'The operations and resources the webhook is called for.',
            object('One rule.', {
              operations: atomicStrings('CREATE, UPDATE, DELETE, CONNECT or *.'),
              apiGroups: atomicStrings('API groups; * for all.'),
              apiVersions: atomicStrings('API versions; * for all.'),
              resources: atomicStrings('Resources (and `resource/subresource`); * for all.'),
              scope: string('Cluster, Namespaced or * (the default).'),
            }),
          ),
          failurePolicy: string('Fail (the default) or Ignore when the webhook cannot be called.'),
          matchPolicy: string('Exact or Equivalent (the default).'),
          namespaceSelector: labelSelector('Namespaces the webhook is called for.'),
          objectSelector: labelSelector('Objects the webhook is called for.'),
          sideEffects: string('None or NoneOnDryRun: whether calls have side effects.'),
          timeoutSeconds: integer('Seconds to wait, 1 to 30 (default 10).', { format: 'int32' }),
          admissionReviewVersions: atomicStrings(
            'AdmissionReview versions it accepts (v1, v1beta1).',
          ),
          ...(mutating ? { reinvocationPolicy: string('Never (the default) or IfNeeded.') } : {}),
          matchConditions: keyedList(
            'CEL conditions that must all hold for the call.',
            object('A condition.', {
              name: string('Its name.'),
              expression: string('A CEL expression.'),
            }),
            ['name'],
          ),
        },
        { required: ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions'] },
      ),
      ['name'],
    ),
  });
}

function defaultWebhooks(obj: KubeObject, mutating: boolean): void {
  for (const w of Array.isArray(obj.webhooks) ? obj.webhooks : []) {
    if (!isJsonObject(w)) continue;
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (mutating) w.reinvocationPolicy ??= 'Never';
    const service = isJsonObject(w.clientConfig) ? w.clientConfig.service : undefined;
    if (isJsonObject(service)) service.port ??= 443;
    for (const rule of Array.isArray(w.rules) ? w.rules : [])
      if (isJsonObject(rule)) rule.scope ??= '*';
  }
}

function validateClientConfig(config: JsonObject | undefined, path: FieldPath): ErrorList {
  if (config === undefined) return [required(path, '')];
  const hasUrl = typeof config.url === 'string' && config.url !== '';
  const service = isJsonObject(config.service) ? config.service : undefined;
  if (hasUrl === (service !== undefined)) {
    return [required(path, 'exactly one of url or service is required')];
  }
  const errs: ErrorList = [];
  if (hasUrl) {
    let url: URL | undefined;
    try {
      url = new URL(String(config.url));
    } catch {
      errs.push(invalid(path.child('url'), config.url, 'host must be specified'));
    }
    if (url && url.protocol !== 'https:')
      errs.push(invalid(path.child('url'), config.url, "'https' is the only allowed URL scheme"));
  }
  if (service) {
    const sp = path.child('service');
    if (!service.name) errs.push(required(sp.child('name'), ''));
    if (!service.namespace) errs.push(required(sp.child('namespace'), ''));
    const port = service.port;
    if (typeof port === 'number' && (port < 1 || port > 65535)) {
      errs.push(
        invalid(
          sp.child('port'),
          port,
          'port is not valid: must be between 1 and 65535, inclusive',
        ),
      );
    }
    if (typeof service.path === 'string' && !service.path.startsWith('/')) {
      errs.push(invalid(sp.child('path'), service.path, "must start with a '/'"));
    }
  }
  return errs;
}

function validateWebhooks(obj: KubeObject, mutating: boolean): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  const list = Array.isArray(obj.webhooks) ? obj.webhooks : [];
  list.forEach((w, i) => {
    if (!isJsonObject(w)) return;
    const path = WEBHOOKS.index(i);
    const name = typeof w.name === 'string' ? w.name : '';
    if (!name) errs.push(required(path.child('name'), ''));
    else {
      for (const m of isDNS1123Subdomain(name)) errs.push(invalid(path.child('name'), name, m));
      if (name.split('.').length < 3) {
        errs.push(
          invalid(
            path.child('name'),
            name,
            'should be a domain with at least three segments separated by dots',
          ),
        );
      }
      if (names.has(name)) errs.push(duplicate(path.child('name'), name));
      names.add(name);
    }
    errs.push(
      ...validateClientConfig(
        isJsonObject(w.clientConfig) ? w.clientConfig : undefined,
        path.child('clientConfig'),
      ),
    );
    (Array.isArray(w.rules) ? w.rules : []).forEach((rule, j) => {
      if (!isJsonObject(rule)) return;
      const rp = path.child('rules').index(j);
      for (const field of ['operations', 'apiGroups', 'apiVersions', 'resources'] as const) {
        const values = Array.isArray(rule[field]) ? rule[field] : [];
        if (values.length === 0) errs.push(required(rp.child(field), ''));
        if (field === 'operations') {
          values.forEach((op, k) => {
            if (!(OPERATIONS as readonly unknown[]).includes(op))
              errs.push(notSupported(rp.child(field).index(k), op, OPERATIONS));
          });
        }
      }
      errs.push(...validateOneOf(rp.child('scope'), rule.scope, ['*', 'Cluster', 'Namespaced']));
    });
    const check = (field: string, allowed: readonly string[], needed = false) => {
      const v = w[field];
      if (v === undefined || v === '') {
        if (needed) errs.push(required(path.child(field), ''));
      } else if (!allowed.includes(String(v)))
        errs.push(notSupported(path.child(field), v, allowed));
    };
    check('failurePolicy', ['Fail', 'Ignore']);
    check('matchPolicy', ['Equivalent', 'Exact']);
    check('sideEffects', ['None', 'NoneOnDryRun'], true);
    if (mutating) check('reinvocationPolicy', ['IfNeeded', 'Never']);
    const timeout = w.timeoutSeconds;
    if (typeof timeout === 'number' && (timeout < 1 || timeout > 30)) {
      errs.push(
        invalid(
          path.child('timeoutSeconds'),
          timeout,
          'the timeout value must be between 1 and 30 seconds',
        ),
      );
    }
    const versions = Array.isArray(w.admissionReviewVersions) ? w.admissionReviewVersions : [];
    if (versions.length === 0)
      errs.push(required(path.child('admissionReviewVersions'), 'must specify one of v1, v1beta1'));
    else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) {
      errs.push(
        invalid(
          path.child('admissionReviewVersions'),
          versions,
          'must include at least one of v1, v1beta1',
        ),
      );
    }
  });
  if (!Array.isArray(obj.webhooks) && obj.webhooks !== undefined) {
    errs.push(forbidden(WEBHOOKS, 'must be a list'));
  }
  return errs;
}

/**
 * The resource type of Mutating- or ValidatingWebhookConfigurations: the two differ only in
 * their kind and in what `mutating` turns on (reinvocationPolicy).
 */
export function webhookConfigurations(kind: 'Mutating' | 'Validating'): ResourceType {
  const mutating = kind === 'Mutating';
  const resource = `${kind.toLowerCase()}webhookconfiguration`;
  return builtin({
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: `${resource}s`,
    singular: resource,
    kind: `${kind}WebhookConfiguration`,
    namespaced: false,
    categories: ['api-extensions'],
    schema: webhookSchema(
      `${kind} admission webhooks: what they are called for and how to reach them.`,
      mutating,
    ),
    definitionName: `io.k8s.api.admissionregistration.v1.${kind}WebhookConfiguration`,
    strategy: {
      prepareForCreate: (obj) => defaultWebhooks(obj, mutating),
      prepareForUpdate: (obj) => defaultWebhooks(obj, mutating),
      validate: (obj) => validateWebhooks(obj, mutating),
      warningsOnCreate: () => [WEBHOOKS_NOT_CALLED_WARNING],
      generationChanged: (obj, old) =>
        JSON.stringify(obj.webhooks) !== JSON.stringify(old.webhooks),
      allowUnconditionalUpdate: true,
      columns: [
        NAME_COLUMN,
        column('Webhooks', 'integer', 'How many webhooks the configuration holds.'),
        AGE_COLUMN,
      ],
      cells: (obj, now) => [
        obj.metadata.name,
        Array.isArray(obj.webhooks) ? obj.webhooks.length : 0,
        age(obj, now),
      ],
    },
  });
}
