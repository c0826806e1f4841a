import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../meta.ts';
import { StatusError } from '../status.ts';
import { decodeKubernetesProtobuf, formatGoDuration, formatTime } from './decode.ts';
import {
  envelope,
  type Field,
  fromHex,
  mapEntries,
  message,
  messageOf,
  varint,
} from './testing.ts';

function errorOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw new Error(`expected a StatusError, got ${String(err)}`);
  }
  throw new Error('expected an error');
}

/**
 * Request bodies captured from real kubectl: `hex` is what kubectl 1.33.1 sent
 * (Content-Type: application/vnd.kubernetes.protobuf; kubectl 1.32 sends the same bytes),
 * `json` is what kubectl 1.31 sent for the same command (Content-Type: application/json).
 * Captured with a throwaway HTTP server that served discovery and logged bodies.
 */
interface Fixture {
  readonly name: string;
  readonly command: string;
  readonly hex: string;
  readonly json: string;
}

const KUBECTL: readonly Fixture[] = [
  {
    name: 'namespace',
    command: 'kubectl create namespace ns1',
    hex:
      '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e733112001a0022002a00320038004200' +
      '12001a020a001a002200',
    json: '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"ns1","creationTimestamp":null},"spec":{},"status":{}}',
  },
  {
    name: 'configmap',
    command: 'kubectl create configmap cm1 --from-literal=a=b --from-literal=key2=value2 -n team',
    hex:
      '6b3873000a0f0a0276311209436f6e6669674d617012310a170a03636d3112001a047465616d22002a003200' +
      '3800420012060a0161120162120e0a046b657932120676616c7565321a002200',
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","namespace":"team","creationTimestamp":null},"data":{"a":"b","key2":"value2"}}',
  },
  {
    name: 'configmap-binary',
    command: 'kubectl create configmap cm2 --from-file=bin=<40 random bytes>',
    hex:
      '6b3873000a0f0a0276311209436f6e6669674d617012460a130a03636d3212001a0022002a00320038004200' +
      '1a2f0a0362696e1228ac9dad550cabc1635db2c6bde1b0e7d21fdd43181162b913639c4b1d3949e287e1d450' +
      '222e681ace1a002200',
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm2","creationTimestamp":null},"binaryData":{"bin":"rJ2tVQyrwWNdssa94bDn0h/dQxgRYrkTY5xLHTlJ4ofh1FAiLmgazg=="}}',
  },
  {
    name: 'secret-generic',
    command:
      'kubectl create secret generic s1 --from-literal=user=admin --from-literal=pass=s3cr3t --type=Opaque',
    hex:
      '6b3873000a0c0a0276311206536563726574123b0a120a02733112001a0022002a00320038004200120e0a04' +
      '706173731206733363723374120d0a0475736572120561646d696e1a064f70617175651a002200',
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","creationTimestamp":null},"data":{"pass":"czNjcjN0","user":"YWRtaW4="},"type":"Opaque"}',
  },
  {
    name: 'secret-typed',
    command: 'kubectl create secret generic s2 --from-literal=k=v --type=example.com/custom',
    hex:
      '6b3873000a0c0a027631120653656372657412300a120a02733212001a0022002a0032003800420012060a01' +
      '6b1201761a126578616d706c652e636f6d2f637573746f6d1a002200',
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s2","creationTimestamp":null},"data":{"k":"dg=="},"type":"example.com/custom"}',
  },
  {
    name: 'secret-docker',
    command:
      'kubectl create secret docker-registry s4 --docker-username=u --docker-password=p --docker-server=r.example.com',
    hex:
      '6b3873000a0c0a02763112065365637265741294010a120a02733412001a0022002a00320038004200125e0a' +
      '112e646f636b6572636f6e6669676a736f6e12497b226175746873223a7b22722e6578616d706c652e636f6d' +
      '223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a22645470' +
      '77227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200',
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s4","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmV4YW1wbGUuY29tIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="},"type":"kubernetes.io/dockerconfigjson"}',
  },
  {
    name: 'serviceaccount',
    command: 'kubectl create serviceaccount sa1',
    hex:
      '6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a0032' +
      '00380042001a002200',
    json: '{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","creationTimestamp":null}}',
  },
  {
    name: 'role',
    command: 'kubectl create role r1 --verb=get,list --resource=pods,configmaps --resource-name=a',
    hex:
      '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c651238' +
      '0a120a02723112001a0022002a0032003800420012220a036765740a046c69737412001a04706f64731a0a63' +
      '6f6e6669676d6170732201611a002200',
    json: '{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1","creationTimestamp":null},"rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods","configmaps"],"resourceNames":["a"]}]}',
  },
  {
    name: 'role-subres',
    command: 'kubectl create role r2 --verb=get --resource=pods/log',
    hex:
      '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c651227' +
      '0a120a02723212001a0022002a0032003800420012110a0367657412001a08706f64732f6c6f671a002200',
    json: '{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r2","creationTimestamp":null},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods/log"]}]}',
  },
  {
    name: 'rolebinding',
    command:
      'kubectl create rolebinding rb1 --role=r1 --user=alice --group=devs --serviceaccount=default:sa1',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c654269' +
      '6e64696e6712b6010a130a0372623112001a0022002a00320038004200122a0a04557365721219726261632e' +
      '617574686f72697a6174696f6e2e6b38732e696f1a05616c6963652200122a0a0547726f7570121972626163' +
      '2e617574686f72697a6174696f6e2e6b38732e696f1a0464657673220012200a0e536572766963654163636f' +
      '756e7412001a03736131220764656661756c741a250a19726261632e617574686f72697a6174696f6e2e6b38' +
      '732e696f1204526f6c651a0272311a002200',
    json: '{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb1","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"},{"kind":"ServiceAccount","name":"sa1","namespace":"default"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}}',
  },
  {
    name: 'rolebinding-cr',
    command: 'kubectl create rolebinding rb2 --clusterrole=view --user=bob',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c654269' +
      '6e64696e67126f0a130a0372623212001a0022002a0032003800420012280a04557365721219726261632e61' +
      '7574686f72697a6174696f6e2e6b38732e696f1a03626f6222001a2e0a19726261632e617574686f72697a61' +
      '74696f6e2e6b38732e696f120b436c7573746572526f6c651a04766965771a002200',
    json: '{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb2","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}',
  },
  {
    name: 'clusterrole-agg',
    command: 'kubectl create clusterrole cr2 --aggregation-rule=rbac.example.com/aggregate=true',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465' +
      '72526f6c65123d0a130a0363723212001a0022002a003200380042001a260a240a220a1a726261632e657861' +
      '6d706c652e636f6d2f6167677265676174651204747275651a002200',
    json: '{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr2","creationTimestamp":null},"rules":null,"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"rbac.example.com/aggregate":"true"}}]}}',
  },
  {
    name: 'clusterrolebinding',
    command: 'kubectl create clusterrolebinding crb1 --clusterrole=cr1 --user=alice --group=ops',
    hex:
      '6b3873000a320a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311212436c75737465' +
      '72526f6c6542696e64696e67129c010a140a046372623112001a0022002a00320038004200122a0a04557365' +
      '721219726261632e617574686f72697a6174696f6e2e6b38732e696f1a05616c696365220012290a0547726f' +
      '75701219726261632e617574686f72697a6174696f6e2e6b38732e696f1a036f707322001a2d0a1972626163' +
      '2e617574686f72697a6174696f6e2e6b38732e696f120b436c7573746572526f6c651a036372311a002200',
    json: '{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"crb1","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"ops"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cr1"}}',
  },
  {
    name: 'token',
    command: 'kubectl create token default --audience x --duration 1h',
    hex:
      '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565' +
      '737412200a100a0012001a0022002a0032003800420012060a017820901c1a040a0012001a002200',
    json: '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"audiences":["x"],"expirationSeconds":3600,"boundObjectRef":null},"status":{"token":"","expirationTimestamp":null}}',
  },
  {
    name: 'token-bound',
    command:
      'kubectl create token sa1 --bound-object-kind=Secret --bound-object-name=s1 --audience=a --audience=b',
    hex:
      '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565' +
      '737412340a100a0012001a0022002a00320038004200121a0a01610a01621a120a0653656372657412027631' +
      '1a02733122001a040a0012001a002200',
    json: '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"audiences":["a","b"],"expirationSeconds":null,"boundObjectRef":{"kind":"Secret","apiVersion":"v1","name":"s1"}},"status":{"token":"","expirationTimestamp":null}}',
  },
  {
    name: 'token-plain',
    command: 'kubectl create token sa1',
    hex:
      '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565' +
      '7374121a0a100a0012001a0022002a0032003800420012001a040a0012001a002200',
    json: '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"audiences":null,"expirationSeconds":null,"boundObjectRef":null},"status":{"token":"","expirationTimestamp":null}}',
  },
  {
    name: 'cani',
    command: 'kubectl auth can-i get pods',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '416363657373526576696577123c0a100a0012001a0022002a00320038004200121e0a1c0a0764656661756c' +
      '7412036765741a0022002a04706f647332003a001a08080012001a0020001a002200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"default","verb":"get","resource":"pods"}},"status":{"allowed":false}}',
  },
  {
    name: 'cani-ns',
    command: 'kubectl auth can-i create configmaps -n team --subresource=status',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '41636365737352657669657712480a100a0012001a0022002a00320038004200122a0a280a047465616d1206' +
      '6372656174651a0022002a0a636f6e6669676d61707332067374617475733a001a08080012001a0020001a00' +
      '2200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"team","verb":"create","resource":"configmaps","subresource":"status"}},"status":{"allowed":false}}',
  },
  {
    name: 'cani-name',
    command: 'kubectl auth can-i delete secrets/s1',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '41636365737352657669657712440a100a0012001a0022002a0032003800420012260a240a0764656661756c' +
      '74120664656c6574651a0022002a077365637265747332003a0273311a08080012001a0020001a002200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"default","verb":"delete","resource":"secrets","name":"s1"}},"status":{"allowed":false}}',
  },
  {
    name: 'cani-nonres',
    command: 'kubectl auth can-i get /healthz',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '416363657373526576696577122f0a100a0012001a0022002a003200380042001211120f0a082f6865616c74' +
      '687a12036765741a08080012001a0020001a002200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}},"status":{"allowed":false}}',
  },
  {
    name: 'cani-list',
    command: 'kubectl auth can-i --list -n team',
    hex:
      '6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a656374' +
      '52756c657352657669657712200a100a0012001a0022002a0032003800420012060a047465616d1a04180022' +
      '001a002200',
    json: '{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"team"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}',
  },
  {
    name: 'whoami',
    command: 'kubectl auth whoami',
    hex:
      '6b3873000a2d0a1861757468656e7469636174696f6e2e6b38732e696f2f7631121153656c665375626a6563' +
      '74526576696577121a0a100a0012001a0022002a0032003800420012060a040a0012001a002200',
    json: '{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{"userInfo":{}}}',
  },
  {
    name: 'quota',
    command: 'kubectl create quota q1 --hard=cpu=1,memory=1Gi,pods=2',
    hex:
      '6b3873000a130a027631120d5265736f7572636551756f746112420a120a02713112001a0022002a00320038' +
      '004200122a0a0a0a0363707512030a01310a0f0a066d656d6f727912050a033147690a0b0a04706f64731203' +
      '0a01321a001a002200',
    json: '{"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q1","creationTimestamp":null},"spec":{"hard":{"cpu":"1","memory":"1Gi","pods":"2"}},"status":{}}',
  },
  {
    name: 'pdb',
    command: 'kubectl create poddisruptionbudget pdb1 --selector=app=x --min-available=1',
    hex:
      '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412380a140a04' +
      '7064623112001a0022002a0032003800420012140a06080010011a00120a0a080a036170701201781a0a0800' +
      '18002000280030001a002200',
    json: '{"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1","creationTimestamp":null},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"x"}}},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}',
  },
  {
    name: 'priorityclass',
    command: 'kubectl create priorityclass pc1 --value=1000',
    hex:
      '6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312' +
      '320a130a0370633112001a0022002a0032003800420010e807180022002a14507265656d70744c6f77657250' +
      '72696f726974791a002200',
    json: '{"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"pc1","creationTimestamp":null},"value":1000,"preemptionPolicy":"PreemptLowerPriority"}',
  },
  {
    name: 'clusterrole-nonres',
    command:
      "kubectl create clusterrole cr1 --verb=get --non-resource-url=/healthz --non-resource-url='/logs/*'",
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465' +
      '72526f6c65122f0a130a0363723112001a0022002a0032003800420012180a036765742a082f6865616c7468' +
      '7a2a072f6c6f67732f2a1a002200',
    json: '{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr1","creationTimestamp":null},"rules":[{"verbs":["get"],"nonResourceURLs":["/healthz","/logs/*"]}]}',
  },
  {
    name: 'clusterrole-res',
    command:
      'kubectl create clusterrole cr3 --verb=get,list,watch --resource=namespaces,deployments.apps',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465' +
      '72526f6c65125e0a130a0363723312001a0022002a0032003800420012200a036765740a046c6973740a0577' +
      '6174636812001a0a6e616d6573706163657312250a036765740a046c6973740a057761746368120461707073' +
      '1a0b6465706c6f796d656e74731a002200',
    json: '{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"cr3","creationTimestamp":null},"rules":[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["namespaces"]},{"verbs":["get","list","watch"],"apiGroups":["apps"],"resources":["deployments"]}]}',
  },
  {
    name: 'configmap-unicode',
    command:
      "kubectl create configmap cm3 '--from-literal=greeting=héllo ✓ 🚀' --from-literal=empty= -n team",
    hex:
      '6b3873000a0f0a0276311209436f6e6669674d617012410a170a03636d3312001a047465616d22002a003200' +
      '3800420012090a05656d7074791200121b0a086772656574696e67120f68c3a96c6c6f20e29c9320f09f9a80' +
      '1a002200',
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm3","namespace":"team","creationTimestamp":null},"data":{"empty":"","greeting":"héllo ✓ 🚀"}}',
  },
  {
    name: 'secret-fromfile',
    command:
      'kubectl create secret generic s5 --from-file=bin=<40 random bytes> --from-literal=empty=',
    hex:
      '6b3873000a0c0a027631120653656372657412520a120a02733512001a0022002a00320038004200122f0a03' +
      '62696e1228ac9dad550cabc1635db2c6bde1b0e7d21fdd43181162b913639c4b1d3949e287e1d450222e681a' +
      'ce12090a05656d70747912001a001a002200',
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s5","creationTimestamp":null},"data":{"bin":"rJ2tVQyrwWNdssa94bDn0h/dQxgRYrkTY5xLHTlJ4ofh1FAiLmgazg==","empty":""}}',
  },
  {
    name: 'token-pod',
    command:
      'kubectl create token sa1 -n team --bound-object-kind=Pod --bound-object-name=p1 --bound-object-uid=1234-abcd --duration=10m',
    hex:
      '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565' +
      '737412370a100a0012001a0022002a00320038004200121d1a180a03506f64120276311a0270312209313233' +
      '342d6162636420d8041a040a0012001a002200',
    json: '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"audiences":null,"expirationSeconds":600,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"p1","uid":"1234-abcd"}},"status":{"token":"","expirationTimestamp":null}}',
  },
  {
    name: 'rolebinding-ns',
    command:
      'kubectl create rolebinding rb3 -n team --clusterrole=admin --group=g1 --group=g2 --serviceaccount=team:bot',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c654269' +
      '6e64696e6712bd010a170a0372623312001a047465616d22002a0032003800420012280a0547726f75701219' +
      '726261632e617574686f72697a6174696f6e2e6b38732e696f1a026731220012280a0547726f757012197262' +
      '61632e617574686f72697a6174696f6e2e6b38732e696f1a0267322200121d0a0e536572766963654163636f' +
      '756e7412001a03626f7422047465616d1a2f0a19726261632e617574686f72697a6174696f6e2e6b38732e69' +
      '6f120b436c7573746572526f6c651a0561646d696e1a002200',
    json: '{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb3","namespace":"team","creationTimestamp":null},"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"g1"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"g2"},{"kind":"ServiceAccount","name":"bot","namespace":"team"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"}}',
  },
  {
    name: 'cani-all-ns',
    command: 'kubectl auth can-i list secrets -A',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '41636365737352657669657712390a100a0012001a0022002a00320038004200121b0a190a0012046c697374' +
      '1a0022002a077365637265747332003a001a08080012001a0020001a002200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"verb":"list","resource":"secrets"}},"status":{"allowed":false}}',
  },
  {
    name: 'cani-sub',
    command: 'kubectl auth can-i get deployments.apps --subresource=scale -n team',
    hex:
      '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374' +
      '41636365737352657669657712490a100a0012001a0022002a00320038004200122b0a290a047465616d1203' +
      '6765741a046170707322002a0b6465706c6f796d656e747332057363616c653a001a08080012001a0020001a' +
      '002200',
    json: '{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"namespace":"team","verb":"get","group":"apps","resource":"deployments","subresource":"scale"}},"status":{"allowed":false}}',
  },
  {
    name: 'serviceaccount-ns',
    command: 'kubectl create serviceaccount sa2 -n team',
    hex:
      '6b3873000a140a027631120e536572766963654163636f756e7412190a170a0373613212001a047465616d22' +
      '002a003200380042001a002200',
    json: '{"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa2","namespace":"team","creationTimestamp":null}}',
  },
  {
    name: 'reconcile (Namespace)',
    command: 'kubectl auth reconcile -f rbac.yaml',
    hex:
      '6b3873000a0f0a02763112094e616d657370616365121c0a140a047465616d12001a0022002a003200380042' +
      '0012001a020a001a002200',
    json: '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team","creationTimestamp":null},"spec":{},"status":{}}',
  },
  {
    name: 'reconcile (Role)',
    command: 'kubectl auth reconcile -f rbac.yaml',
    hex:
      '6b3873000a240a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f76311204526f6c6512a7' +
      '010a700a087265632d726f6c6512001a047465616d22002a003200380042005a0b0a03617070120464656d6f' +
      '5a0f0a047469657212076261636b656e6462090a05656d707479120062170a046e6f7465120f68c3a96c6c6f' +
      '20e29c9320f09f9a8072106578616d706c652e636f6d2f6b65657012330a036765740a046c6973740a057761' +
      '74636812001204617070731a04706f64731a0b6465706c6f796d656e74732201612201621a002200',
    json: '{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rec-role","namespace":"team","creationTimestamp":null,"labels":{"app":"demo","tier":"backend"},"annotations":{"empty":"","note":"héllo ✓ 🚀"},"finalizers":["example.com/keep"]},"rules":[{"verbs":["get","list","watch"],"apiGroups":["","apps"],"resources":["pods","deployments"],"resourceNames":["a","b"]}]}',
  },
  {
    name: 'reconcile (ClusterRole)',
    command: 'kubectl auth reconcile -f rbac.yaml',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b436c75737465' +
      '72526f6c6512680a3a0a067265632d637212001a0022002a003200380042005a220a1a726261632e6578616d' +
      '706c652e636f6d2f6167677265676174651204747275651a2a0a280a080a01781203796573120f0a016b1202' +
      '496e1a0276311a027632120b0a016512064578697374731a002200',
    json: '{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rec-cr","creationTimestamp":null,"labels":{"rbac.example.com/aggregate":"true"}},"rules":[],"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"x":"yes"},"matchExpressions":[{"key":"k","operator":"In","values":["v1","v2"]},{"key":"e","operator":"Exists"}]}]}}',
  },
  {
    name: 'reconcile (RoleBinding)',
    command: 'kubectl auth reconcile -f rbac.yaml',
    hex:
      '6b3873000a2b0a1c726261632e617574686f72697a6174696f6e2e6b38732e696f2f7631120b526f6c654269' +
      '6e64696e67129c010a1e0a067265632d7262120467656e2d1a047465616d22002a00320038004200121d0a0e' +
      '536572766963654163636f756e7412001a03626f7422047465616d122e0a04557365721219726261632e6175' +
      '74686f72697a6174696f6e2e6b38732e696f1a09c3bc6ec3af636f646522001a2b0a19726261632e61757468' +
      '6f72697a6174696f6e2e6b38732e696f1204526f6c651a087265632d726f6c651a002200',
    json: '{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rec-rb","generateName":"gen-","namespace":"team","creationTimestamp":null},"subjects":[{"kind":"ServiceAccount","name":"bot","namespace":"team"},{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"ünïcode"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"rec-role"}}',
  },
];

const decodeHex = (hex: string): JsonObject => decodeKubernetesProtobuf(fromHex(hex));

describe('bodies captured from kubectl 1.33', () => {
  for (const fixture of KUBECTL) {
    it(`${fixture.name}: ${fixture.command}`, () => {
      const got = decodeHex(fixture.hex);
      const want = JSON.parse(fixture.json) as JsonObject;
      if (fixture.name === 'reconcile (ClusterRole)') {
        // `rules: []` in the YAML. Protobuf cannot carry an empty list, so the Go server
        // decodes nil and would write `"rules": null`, and so does this decoder.
        expect(want.rules).toEqual([]);
        want.rules = null;
      }
      expect(got).toEqual(want);
      // Same keys in the same order: the Go JSON encoding, byte for byte.
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    });
  }
});

const obj = (apiVersion: string, kind: string, ...fields: Field[]): JsonObject =>
  decodeKubernetesProtobuf(envelope(apiVersion, kind, message(...fields)));

const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z

describe('kinds kubectl does not send, built by hand', () => {
  it('coordination.k8s.io/v1 Lease with every LeaseSpec field', () => {
    const lease = obj(
      'coordination.k8s.io/v1',
      'Lease',
      [
        1,
        [
          [1, 'leader'],
          [3, 'kube-system'],
          [8, []],
        ],
      ],
      [
        2,
        [
          [1, 'node-a'],
          [2, 15],
          [
            3,
            [
              [1, T0],
              [2, 123_456_789],
            ],
          ],
          [4, [[1, T0 + 10]]],
          [5, 0],
          [6, 'OldestEmulationVersion'],
          [7, 'node-b'],
        ],
      ],
    );
    expect(JSON.stringify(lease)).toBe(
      JSON.stringify({
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: { name: 'leader', namespace: 'kube-system', creationTimestamp: null },
        spec: {
          holderIdentity: 'node-a',
          leaseDurationSeconds: 15,
          acquireTime: '2023-11-14T22:13:20.123456Z',
          renewTime: '2023-11-14T22:13:30.000000Z',
          leaseTransitions: 0,
          strategy: 'OldestEmulationVersion',
          preferredHolder: 'node-b',
        },
      }),
    );
    expect(obj('coordination.k8s.io/v1', 'Lease')).toEqual({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {},
    });
  });

  it('core/v1 Event', () => {
    const event = obj(
      'v1',
      'Event',
      [
        1,
        [
          [1, 'ev1'],
          [3, 'default'],
        ],
      ],
      [
        2,
        [
          [1, 'Pod'],
          [2, 'default'],
          [3, 'p1'],
          [4, 'uid-1'],
          [5, 'v1'],
          [6, '42'],
          [7, 'spec.containers{app}'],
        ],
      ],
      [3, 'Started'],
      [4, 'Started container'],
      [
        5,
        [
          [1, 'kubelet'],
          [2, 'node-1'],
        ],
      ],
      [6, [[1, T0]]],
      [7, [[1, T0 + 60]]],
      [8, 2],
      [9, 'Normal'],
      [10, []],
      [
        11,
        [
          [1, 3],
          [
            2,
            [
              [1, T0 + 70],
              [2, 5000],
            ],
          ],
        ],
      ],
      [12, 'Start'],
      [14, 'kubelet'],
    );
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'v1',
        metadata: { name: 'ev1', namespace: 'default', creationTimestamp: null },
        involvedObject: {
          kind: 'Pod',
          namespace: 'default',
          name: 'p1',
          uid: 'uid-1',
          apiVersion: 'v1',
          resourceVersion: '42',
          fieldPath: 'spec.containers{app}',
        },
        reason: 'Started',
        message: 'Started container',
        source: { component: 'kubelet', host: 'node-1' },
        firstTimestamp: '2023-11-14T22:13:20Z',
        lastTimestamp: '2023-11-14T22:14:20Z',
        count: 2,
        type: 'Normal',
        eventTime: null,
        series: { count: 3, lastObservedTime: '2023-11-14T22:14:30.000005Z' },
        action: 'Start',
        reportingComponent: 'kubelet',
        reportingInstance: '',
      }),
    );
  });

  it('events.k8s.io/v1 Event', () => {
    const event = obj(
      'events.k8s.io/v1',
      'Event',
      [
        1,
        [
          [1, 'e2'],
          [3, 'ns'],
        ],
      ],
      [
        2,
        [
          [1, T0],
          [2, 999_999_999],
        ],
      ],
      [3, [[1, 0]]],
      [4, 'example.com/ctrl'],
      [5, 'ctrl-1'],
      [6, 'Scale'],
      [7, 'Scaled'],
      [
        8,
        [
          [1, 'Deployment'],
          [3, 'd1'],
        ],
      ],
      [
        9,
        [
          [1, 'ReplicaSet'],
          [3, 'rs1'],
        ],
      ],
      [10, 'scaled up'],
      [11, 'Normal'],
    );
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'events.k8s.io/v1',
        metadata: { name: 'e2', namespace: 'ns', creationTimestamp: null },
        eventTime: '2023-11-14T22:13:20.999999Z',
        series: { count: 0, lastObservedTime: null },
        reportingController: 'example.com/ctrl',
        reportingInstance: 'ctrl-1',
        action: 'Scale',
        reason: 'Scaled',
        regarding: { kind: 'Deployment', name: 'd1' },
        related: { kind: 'ReplicaSet', name: 'rs1' },
        note: 'scaled up',
        type: 'Normal',
        deprecatedSource: {},
        deprecatedFirstTimestamp: null,
        deprecatedLastTimestamp: null,
      }),
    );
  });

  it('authorization.k8s.io/v1 SubjectAccessReview with selectors and extra', () => {
    const sar = obj(
      'authorization.k8s.io/v1',
      'SubjectAccessReview',
      [1, []],
      [
        2,
        [
          [
            1,
            [
              [1, 'team'],
              [2, 'list'],
              [3, 'apps'],
              [4, 'v1'],
              [5, 'deployments'],
              [
                8,
                [
                  [1, 'metadata.name=x'],
                  [
                    2,
                    [
                      [1, 'metadata.name'],
                      [2, 'In'],
                      [3, 'x'],
                      [3, 'y'],
                    ],
                  ],
                ],
              ],
              [
                9,
                [
                  [
                    2,
                    [
                      [1, 'app'],
                      [2, 'Exists'],
                    ],
                  ],
                ],
              ],
            ],
          ],
          [3, 'alice'],
          [4, 'devs'],
          [4, 'ops'],
          ...mapEntries(5, {
            'scopes.example.com': [
              [1, 'a'],
              [1, 'b'],
            ],
            empty: [],
          }),
          [6, 'uid-9'],
        ],
      ],
    );
    expect(JSON.stringify(sar)).toBe(
      JSON.stringify({
        kind: 'SubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: {
          resourceAttributes: {
            namespace: 'team',
            verb: 'list',
            group: 'apps',
            version: 'v1',
            resource: 'deployments',
            fieldSelector: {
              rawSelector: 'metadata.name=x',
              requirements: [{ key: 'metadata.name', operator: 'In', values: ['x', 'y'] }],
            },
            labelSelector: { requirements: [{ key: 'app', operator: 'Exists' }] },
          },
          user: 'alice',
          groups: ['devs', 'ops'],
          extra: { empty: [], 'scopes.example.com': ['a', 'b'] },
          uid: 'uid-9',
        },
        status: { allowed: false },
      }),
    );
  });

  it('authorization.k8s.io/v1 LocalSubjectAccessReview and SelfSubjectRulesReview', () => {
    expect(
      obj(
        'authorization.k8s.io/v1',
        'LocalSubjectAccessReview',
        [1, [[3, 'team']]],
        [
          2,
          [
            [
              2,
              [
                [1, '/metrics'],
                [2, 'get'],
              ],
            ],
            [3, 'bob'],
          ],
        ],
        [
          3,
          [
            [1, true],
            [2, 'RBAC: allowed'],
          ],
        ],
      ),
    ).toEqual({
      kind: 'LocalSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { namespace: 'team', creationTimestamp: null },
      spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' }, user: 'bob' },
      status: { allowed: true, reason: 'RBAC: allowed' },
    });
    expect(
      obj(
        'authorization.k8s.io/v1',
        'SelfSubjectRulesReview',
        [2, [[1, 'team']]],
        [
          3,
          [
            [
              1,
              [
                [1, 'get'],
                [2, ''],
                [3, 'pods'],
              ],
            ],
            [
              2,
              [
                [1, 'get'],
                [2, '/healthz'],
              ],
            ],
            [3, true],
            [4, 'webhook: no rules'],
          ],
        ],
      ),
    ).toEqual({
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { namespace: 'team' },
      status: {
        resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
        incomplete: true,
        evaluationError: 'webhook: no rules',
      },
    });
  });

  it('authentication.k8s.io TokenReview and v1beta1 SelfSubjectReview', () => {
    expect(
      obj('authentication.k8s.io/v1', 'TokenReview', [
        2,
        [
          [1, 'tok'],
          [2, 'https://k8s'],
        ],
      ]),
    ).toEqual({
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token: 'tok', audiences: ['https://k8s'] },
      status: { user: {} },
    });
    expect(
      obj('authentication.k8s.io/v1beta1', 'SelfSubjectReview', [
        2,
        [
          [
            1,
            [
              [1, 'jane'],
              [2, 'uid-j'],
              [3, 'system:authenticated'],
              ...mapEntries(4, { 'example.com/team': [[1, 'blue']] }),
            ],
          ],
        ],
      ]),
    ).toEqual({
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1beta1',
      metadata: { creationTimestamp: null },
      status: {
        userInfo: {
          username: 'jane',
          uid: 'uid-j',
          groups: ['system:authenticated'],
          extra: { 'example.com/team': ['blue'] },
        },
      },
    });
  });

  it('DeleteOptions in any group version, keeping explicit zero pointers', () => {
    const fields: Field[] = [
      [1, 0],
      [
        2,
        [
          [1, 'uid-1'],
          [2, ''],
        ],
      ],
      [3, false],
      [4, 'Foreground'],
      [5, 'All'],
      [6, true],
    ];
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
      expect(JSON.stringify(obj(apiVersion, 'DeleteOptions', ...fields))).toBe(
        JSON.stringify({
          kind: 'DeleteOptions',
          apiVersion,
          gracePeriodSeconds: 0,
          preconditions: { uid: 'uid-1', resourceVersion: '' },
          orphanDependents: false,
          propagationPolicy: 'Foreground',
          dryRun: ['All'],
          ignoreStoreReadErrorWithClusterBreakingPotential: true,
        }),
      );
    }
    expect(obj('v1', 'DeleteOptions')).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1' });
  });

  it('policy/v1 Eviction and PodDisruptionBudget', () => {
    expect(
      obj(
        'policy/v1',
        'Eviction',
        [
          1,
          [
            [1, 'p1'],
            [3, 'default'],
          ],
        ],
        [2, [[1, 30]]],
      ),
    ).toEqual({
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'p1', namespace: 'default', creationTimestamp: null },
      deleteOptions: { gracePeriodSeconds: 30 },
    });
    const pdb = obj(
      'policy/v1',
      'PodDisruptionBudget',
      [1, [[1, 'pdb']]],
      [
        2,
        [
          [2, [...mapEntries(1, { app: 'x' })]],
          [
            3,
            [
              [1, 1],
              [3, '50%'],
            ],
          ],
          [4, 'AlwaysAllow'],
        ],
      ],
      [
        3,
        [
          [1, 3],
          ...mapEntries(2, { p1: [[1, T0]] }),
          [3, 1],
          [4, 2],
          [5, 1],
          [6, 2],
          [
            7,
            [
              [1, 'DisruptionAllowed'],
              [2, 'True'],
              [3, 3],
              [4, [[1, T0]]],
              [5, 'SufficientPods'],
            ],
          ],
        ],
      ],
    );
    expect(JSON.stringify(pdb)).toBe(
      JSON.stringify({
        kind: 'PodDisruptionBudget',
        apiVersion: 'policy/v1',
        metadata: { name: 'pdb', creationTimestamp: null },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          maxUnavailable: '50%',
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
        status: {
          observedGeneration: 3,
          disruptedPods: { p1: '2023-11-14T22:13:20Z' },
          disruptionsAllowed: 1,
          currentHealthy: 2,
          desiredHealthy: 1,
          expectedPods: 2,
          conditions: [
            {
              type: 'DisruptionAllowed',
              status: 'True',
              observedGeneration: 3,
              lastTransitionTime: '2023-11-14T22:13:20Z',
              reason: 'SufficientPods',
              message: '',
            },
          ],
        },
      }),
    );
  });

  it('ResourceQuota quantities in canonical form', () => {
    const quota = obj(
      'v1',
      'ResourceQuota',
      [1, [[1, 'q']]],
      [
        2,
        [
          ...mapEntries(1, { 'requests.cpu': [[1, '1000m']], memory: [[1, '1Gi']], pods: [] }),
          [2, 'NotTerminating'],
          [
            3,
            [
              [
                1,
                [
                  [1, 'PriorityClass'],
                  [2, 'In'],
                  [3, 'high'],
                ],
              ],
            ],
          ],
        ],
      ],
      [3, [...mapEntries(2, { cpu: [[1, '500m']] })]],
    );
    expect(quota).toEqual({
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: { name: 'q', creationTimestamp: null },
      spec: {
        hard: { memory: '1Gi', pods: '0', 'requests.cpu': '1' },
        scopes: ['NotTerminating'],
        scopeSelector: {
          matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }],
        },
      },
      status: { used: { cpu: '500m' } },
    });
  });

  it('ObjectMeta with every field, on a ConfigMap with binary data', () => {
    const cm = obj(
      'v1',
      'ConfigMap',
      [
        1,
        [
          [1, 'cm'],
          [2, 'cm-'],
          [3, 'ns'],
          [4, '/api/v1/namespaces/ns/configmaps/cm'],
          [5, 'uid-1'],
          [6, '123'],
          [7, 4],
          [
            8,
            [
              [1, T0],
              [2, 500],
            ],
          ],
          [9, [[1, T0 + 100]]],
          [10, 30],
          ...mapEntries(11, { b: '2', a: '1' }),
          ...mapEntries(12, { 'example.com/x': 'y' }),
          [
            13,
            [
              [5, 'apps/v1'],
              [1, 'Deployment'],
              [3, 'd'],
              [4, 'uid-d'],
              [6, true],
              [7, false],
            ],
          ],
          [13, [[1, 'Thing']]],
          [14, 'f1'],
          [14, 'f2'],
          [
            17,
            [
              [1, 'kubectl'],
              [2, 'Update'],
              [3, 'v1'],
              [4, [[1, T0]]],
              [6, 'FieldsV1'],
              [7, [[1, '{"f:data":{".":{},"f:a":{}}}']]],
              [8, 'status'],
            ],
          ],
          [
            17,
            [
              [1, 'other'],
              [7, []],
            ],
          ],
        ],
      ],
      [4, true],
      ...mapEntries(2, { a: 'x' }),
      ...mapEntries(3, { bin: Uint8Array.of(0, 1, 2, 255), none: new Uint8Array(0) }),
    );
    expect(JSON.stringify(cm)).toBe(
      JSON.stringify({
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: {
          name: 'cm',
          generateName: 'cm-',
          namespace: 'ns',
          selfLink: '/api/v1/namespaces/ns/configmaps/cm',
          uid: 'uid-1',
          resourceVersion: '123',
          generation: 4,
          creationTimestamp: '2023-11-14T22:13:20Z',
          deletionTimestamp: '2023-11-14T22:15:00Z',
          deletionGracePeriodSeconds: 30,
          labels: { a: '1', b: '2' },
          annotations: { 'example.com/x': 'y' },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'd',
              uid: 'uid-d',
              controller: true,
              blockOwnerDeletion: false,
            },
            { apiVersion: '', kind: 'Thing', name: '', uid: '' },
          ],
          finalizers: ['f1', 'f2'],
          managedFields: [
            {
              manager: 'kubectl',
              operation: 'Update',
              apiVersion: 'v1',
              time: '2023-11-14T22:13:20Z',
              fieldsType: 'FieldsV1',
              fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } },
              subresource: 'status',
            },
            { manager: 'other', fieldsV1: null },
          ],
        },
        immutable: true,
        data: { a: 'x' },
        binaryData: { bin: 'AAEC/w==', none: '' },
      }),
    );
  });

  it('Namespace, ServiceAccount and Secret fields kubectl create leaves out', () => {
    expect(
      obj(
        'v1',
        'Namespace',
        [1, [[1, 'n']]],
        [2, [[1, 'kubernetes']]],
        [
          3,
          [
            [1, 'Terminating'],
            [
              2,
              [
                [1, 'NamespaceContentRemaining'],
                [2, 'True'],
                [4, [[1, T0]]],
                [5, 'R'],
                [6, 'M'],
              ],
            ],
            [2, []],
          ],
        ],
      ),
    ).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'n', creationTimestamp: null },
      spec: { finalizers: ['kubernetes'] },
      status: {
        phase: 'Terminating',
        conditions: [
          {
            type: 'NamespaceContentRemaining',
            status: 'True',
            lastTransitionTime: '2023-11-14T22:13:20Z',
            reason: 'R',
            message: 'M',
          },
          { type: '', status: '', lastTransitionTime: null },
        ],
      },
    });
    expect(
      obj(
        'v1',
        'ServiceAccount',
        [1, [[1, 'sa']]],
        [2, [[3, 's1']]],
        [3, [[1, 'registry']]],
        [3, []],
        [4, false],
      ),
    ).toEqual({
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: 'sa', creationTimestamp: null },
      secrets: [{ name: 's1' }],
      imagePullSecrets: [{ name: 'registry' }, {}],
      automountServiceAccountToken: false,
    });
    expect(
      obj('v1', 'Secret', [5, false], ...mapEntries(4, { password: 'p' }), [3, 'Opaque']),
    ).toEqual({
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { creationTimestamp: null },
      immutable: false,
      stringData: { password: 'p' },
      type: 'Opaque',
    });
  });
});

describe('protobuf semantics', () => {
  const meta = (...fields: Field[]) => obj('v1', 'ConfigMap', [1, fields]).metadata as JsonObject;

  it('skips unknown fields of every wire type, at the top and nested', () => {
    const unknown = Uint8Array.of(
      ...[0x98, 0x06, 0x96, 0x01], // field 99 varint
      ...[0xa1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], // field 100 fixed64
      ...[0xaa, 0x06, 0x02, 0x0a, 0x00], // field 101 bytes
      ...[0xb5, 0x06, 1, 2, 3, 4], // field 102 fixed32
      ...[0xbb, 0x06, 0x08, 0x01, 0xbc, 0x06], // field 103 group { field 1 varint }
    );
    const raw = new Uint8Array([...unknown, ...message([1, [[1, 'x']]]), ...unknown]);
    const nested = message([1, new Uint8Array([...unknown, ...message([1, 'y'])])]);
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw))).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'x', creationTimestamp: null },
    });
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', nested)).metadata).toEqual({
      name: 'y',
      creationTimestamp: null,
    });
  });

  it('keeps the last of a repeated scalar and merges a repeated message', () => {
    expect(meta([1, 'a'], [1, 'b'])).toEqual({ name: 'b', creationTimestamp: null });
    expect(obj('v1', 'ConfigMap', [1, [[1, 'a']]], [1, [[3, 'ns']]]).metadata).toEqual({
      name: 'a',
      namespace: 'ns',
      creationTimestamp: null,
    });
    // Time replaces rather than merges: the later, empty one is the zero Time.
    expect(meta([8, [[1, T0]]], [8, []]).creationTimestamp).toBeNull();
  });

  it('keeps the last entry of a repeated map key, and __proto__ as plain data', () => {
    const labels = meta(...mapEntries(11, { k: '1' }), ...mapEntries(11, { k: '2' }), [
      11,
      [
        [1, '__proto__'],
        [2, 'v'],
      ],
    ]).labels as JsonObject;
    expect(Object.keys(labels)).toEqual(['__proto__', 'k']);
    expect(labels.k).toBe('2');
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(labels, '__proto__')?.value).toBe('v');
    // A map entry without key or value is the empty key and the zero value.
    expect(meta([11, []]).labels).toEqual({ '': '' });
  });

  it('decodes integers as Go does', () => {
    const pc = (value: number | bigint) =>
      obj('scheduling.k8s.io/v1', 'PriorityClass', [2, value]).value;
    expect(varint(-5).length).toBe(10);
    expect(pc(-5)).toBe(-5);
    expect(pc(2n ** 32n + 7n)).toBe(7); // int32 keeps the low 32 bits
    expect(pc(2 ** 31)).toBe(-(2 ** 31));
    expect(meta([7, 2n ** 63n - 1n]).generation).toBe(Number(2n ** 63n - 1n));
    expect(meta([7, -1]).generation).toBe(-1);
    expect(obj('policy/v1', 'Eviction', [2, [[3, 2]]]).deleteOptions).toEqual({
      orphanDependents: true,
    });
  });

  it('writes invalid UTF-8 as U+FFFD', () => {
    expect(meta([1, Uint8Array.of(0x61, 0xc3, 0x28)]).name).toBe('a\uFFFD(');
  });

  it('formats Time, MicroTime and Duration like Go', () => {
    expect(meta([8, [[1, 0]]]).creationTimestamp).toBe('1970-01-01T00:00:00Z');
    expect(meta([8, [[1, -62_135_596_800]]]).creationTimestamp).toBeNull();
    expect(meta([8, [[1, -62_135_596_801]]]).creationTimestamp).toBe('0000-12-31T23:59:59Z');
    expect(formatTime(-1n, 6)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatTime(10n * 1_000_000_000n + 999n, 6)).toBe('1970-01-01T00:00:10.000000Z');
    expect(formatTime(253_402_300_799n * 1_000_000_000n, 0)).toBe('9999-12-31T23:59:59Z');
    const lease = (seconds: number, nanos: number) =>
      (
        obj('coordination.k8s.io/v1', 'Lease', [
          2,
          [
            [
              3,
              [
                [1, seconds],
                [2, nanos],
              ],
            ],
          ],
        ]).spec as JsonObject
      ).acquireTime;
    expect(lease(10, -1)).toBe('1970-01-01T00:00:09.999999Z');
    expect(formatGoDuration(0n)).toBe('0s');
    expect(formatGoDuration(1n)).toBe('1ns');
    expect(formatGoDuration(1_500n)).toBe('1.5µs');
    expect(formatGoDuration(300_000_000n)).toBe('300ms');
    expect(formatGoDuration(1_500_000_000n)).toBe('1.5s');
    expect(formatGoDuration(90_000_000_000n)).toBe('1m30s');
    expect(formatGoDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(formatGoDuration(-123_000_000_000n)).toBe('-2m3s');
    expect(formatGoDuration(-(2n ** 63n))).toBe('-2562047h47m16.854775808s');
  });

  it('rejects what Go would fail to decode or to encode as JSON', () => {
    const cases: [string, () => unknown][] = [
      ['wrong wire type 0 for field name (1) of meta.v1.ObjectMeta', () => meta([1, 5])],
      ['wrong wire type 2 for field generation (7) of meta.v1.ObjectMeta', () => meta([7, 'x'])],
      ['wrong wire type 0 for the key of a labels entry', () => meta([11, [[1, 3]]])],
      [
        'IntOrString type 2 is neither 0 (int) nor 1 (string)',
        () => obj('policy/v1', 'PodDisruptionBudget', [2, [[1, [[1, 2]]]]]),
      ],
      ['fieldsV1 is not valid JSON', () => meta([17, [[7, [[1, '{"f:data":']]]]])],
      [
        'invalid quantity "lots"',
        () => obj('v1', 'ResourceQuota', [2, mapEntries(1, { cpu: [[1, 'lots']] })]),
      ],
      [
        'time 253402300800s after the Unix epoch is outside years 0000-9999',
        () => meta([8, [[1, 253_402_300_800]]]),
      ],
    ];
    for (const [message, fn] of cases) {
      const err = errorOf(fn);
      expect(err.code).toBe(400);
      expect(err.message).toContain(`unable to decode protobuf: ${message}`);
    }
    const deep = `${'['.repeat(1001)}${']'.repeat(1001)}`;
    expect(errorOf(() => meta([17, [[7, [[1, deep]]]]])).message).toMatch(/nested more than 1000/);
  });
});

describe('malformed input never escapes as anything but a 400', () => {
  /** Decodes and returns 'ok' or 'bad'; anything other than a 400 Status fails the test. */
  const attempt = (body: Uint8Array): 'ok' | 'bad' => {
    try {
      decodeKubernetesProtobuf(body);
      return 'ok';
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 400) throw err;
      expect(err.message).toMatch(/^unable to decode protobuf: /);
      return 'bad';
    }
  };

  /** A small deterministic PRNG (xorshift32), so failures reproduce. */
  const prng = (seed: number) => () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };

  it('every truncation of every captured body', () => {
    let bad = 0;
    for (const { hex } of KUBECTL) {
      const body = fromHex(hex);
      for (let n = 0; n < body.length; n++) if (attempt(body.subarray(0, n)) === 'bad') bad++;
    }
    expect(bad).toBeGreaterThan(1000);
  });

  it('single-byte corruptions of every captured body', () => {
    for (const { hex } of KUBECTL) {
      const body = fromHex(hex);
      for (let i = 0; i < Math.min(body.length, 400); i++) {
        for (const value of [0x00, 0xff, (body[i] ?? 0) ^ 0x80, (body[i] ?? 0) ^ 0x07]) {
          const copy = body.slice();
          copy[i] = value;
          attempt(copy);
        }
      }
    }
  });

  it('random bytes, with and without the envelope prefix', () => {
    const random = prng(0x9e3779b9);
    for (let i = 0; i < 3000; i++) {
      const body = Uint8Array.from({ length: Math.floor(random() * 300) }, () =>
        Math.floor(random() * 256),
      );
      if (i % 2 === 0) body.set([0x6b, 0x38, 0x73, 0x00].slice(0, body.length));
      attempt(body);
    }
  });

  it('huge length prefixes and over-long varints', () => {
    const prefix = [0x6b, 0x38, 0x73, 0x00];
    for (const len of [2n ** 31n, 2n ** 53n - 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      const body = Uint8Array.from([...prefix, 0x12, ...varint(len), 1, 2, 3]);
      expect(attempt(body)).toBe('bad');
    }
    expect(attempt(Uint8Array.from([...prefix, ...Array(11).fill(0x80), 0x01]))).toBe('bad');
    const raw = Uint8Array.from([0x0a, ...varint(2n ** 40n), 0x0a, 0x00]);
    expect(attempt(envelope('v1', 'ConfigMap', raw))).toBe('bad');
  });

  it('decodes a large valid body whole', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 50_000; i++) labels[`key-${i}`] = `value-${i}`;
    const raw = messageOf([[1, mapEntries(11, labels)], ...mapEntries(2, labels)]);
    const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw));
    expect(Object.keys((cm.metadata as JsonObject).labels as JsonObject)).toHaveLength(50_000);
  });
});
