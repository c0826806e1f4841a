/**
 * CEL environments for x-kubernetes-validations. One base environment carries the Kubernetes
 * libraries; each distinct node type (what `self` is) gets an environment cloned from it with
 * that type's object classes, equality operators and the `self`/`oldSelf` variables. Node
 * environments are cached by type signature, so every workspace that installs the same CRD,
 * and every schema node with the same shape, shares one environment and its compiled rules.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { JsonValue } from '../../meta.ts';
import { instrument, registerCostProbe } from './cost.ts';
import { registerKubernetesLibrary } from './library.ts';
import type { CelType } from './types.ts';
import { typeSignature } from './types.ts';
import type { ObjectClass, ObjectType } from './values.ts';
import { celEquals, makeObjectClass, toCel } from './values.ts';

let base: Environment | undefined;

function baseEnvironment(): Environment {
  if (base === undefined) {
    const env = new Environment({ enableOptionalTypes: true });
    registerKubernetesLibrary(env);
    registerCostProbe(env);
    base = env;
  }
  return base;
}

export interface NodeEnvironment {
  readonly signature: string;
  readonly type: CelType;
  /** `oldSelf` has the node's type. */
  readonly plain: Environment;
  /** `oldSelf` is `optional<T>` (rules with optionalOldSelf). */
  readonly optional: Environment;
  /** Converts a JSON value of this node into its CEL value. */
  convert(value: JsonValue): unknown;
}

const variableEnvironments = new Map<string, Environment>();

/**
 * An environment over plain variables rather than a schema node (authentication's `claims`
 * and `user`): the Kubernetes libraries, the given `name → CEL type` declarations, metered
 * like rule environments. Cached per set of declarations.
 */
export function variablesEnvironment(variables: Readonly<Record<string, string>>): Environment {
  const signature = JSON.stringify(
    Object.entries(variables).sort(([a], [b]) => a.localeCompare(b)),
  );
  const hit = variableEnvironments.get(signature);
  if (hit !== undefined) return hit;
  const env = baseEnvironment().clone();
  for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
  instrument(env);
  variableEnvironments.set(signature, env);
  return env;
}

const CACHE_LIMIT = 512;
const cache = new Map<string, NodeEnvironment>();

export function nodeEnvironment(type: CelType): NodeEnvironment {
  const signature = typeSignature(type);
  const hit = cache.get(signature);
  if (hit !== undefined) {
    // Refresh recency so hot schemas stay cached.
    cache.delete(signature);
    cache.set(signature, hit);
    return hit;
  }
  const created = createNodeEnvironment(signature, type);
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(signature, created);
  return created;
}

function createNodeEnvironment(signature: string, type: CelType): NodeEnvironment {
  const typesEnv = baseEnvironment().clone();
  const names = new Map<string, string>();
  const classes = new Map<string, ObjectClass>();
  const classOf = (t: ObjectType): ObjectClass => {
    const cls = classes.get(typeSignature(t));
    if (cls === undefined) throw new Error(`cel: unregistered object type ${typeSignature(t)}`);
    return cls;
  };
  const celTypeName = (t: CelType): string => {
    switch (t.kind) {
      case 'list':
        return `list<${celTypeName(t.elem)}>`;
      case 'map':
        return `map<string, ${celTypeName(t.value)}>`;
      case 'object': {
        const sig = typeSignature(t);
        let name = names.get(sig);
        if (name === undefined) {
          name = `object${names.size + 1}`;
          names.set(sig, name);
          const fields = Object.fromEntries(t.fields.map((f) => [f.name, celTypeName(f.type)]));
          const cls = makeObjectClass(name, t.fields, classOf);
          classes.set(sig, cls);
          typesEnv.registerType(name, { ctor: cls, fields });
          typesEnv.registerOperator(`${name} == ${name}`, celEquals);
        }
        return name;
      }
      case 'duration':
        return 'google.protobuf.Duration';
      case 'timestamp':
        return 'google.protobuf.Timestamp';
      default:
        return t.kind;
    }
  };
  const selfType = celTypeName(type);
  const plain = typesEnv
    .clone()
    .registerVariable('self', selfType)
    .registerVariable('oldSelf', selfType);
  const optional = typesEnv
    .clone()
    .registerVariable('self', selfType)
    .registerVariable('oldSelf', `optional<${selfType}>`);
  instrument(plain);
  instrument(optional);
  return {
    signature,
    type,
    plain,
    optional,
    convert: (value) => toCel(type, value, classOf),
  };
}
