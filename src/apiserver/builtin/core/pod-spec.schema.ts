/**
 * The structural schema of core/v1 PodSpec and PodTemplateSpec, shared by Pods and every
 * workload that stamps out Pods (Deployments, StatefulSets, ReplicaSets, DaemonSets, Jobs,
 * CronJobs). Field names, types and list keys follow upstream's OpenAPI, so server-side apply
 * merges containers by name, ports by port and protocol, env by name, mounts by path.
 * Structures Canopy stores but never reads (security contexts, affinity, lifecycle hooks,
 * volume sources) are open objects: typed where they are named here, kept as sent beyond.
 */
import {
  atomicList,
  atomicStrings,
  type BuiltinSchema,
  boolean,
  integer,
  intOrString,
  keyedList,
  localObjectReference,
  object,
  openObject,
  quantityMap,
  string,
  stringMap,
  time,
} from '../../../apimachinery/schema/dsl.ts';

const int32 = (description: string) => integer(description, { format: 'int32' });
const int64 = (description: string) => integer(description, { format: 'int64' });

function probe(description: string): BuiltinSchema {
  return object(description, {
    exec: object('Runs a command inside the container; exit status 0 is healthy.', {
      command: atomicStrings('The command line, not run in a shell.'),
    }),
    httpGet: object('Sends an HTTP GET; a status from 200 to 399 is healthy.', {
      path: string('The path requested.'),
      port: intOrString('The container port, by number or name.'),
      host: string("The host to connect to; defaults to the pod's IP."),
      scheme: string('HTTP (the default) or HTTPS.'),
      httpHeaders: atomicList(
        'Headers sent with the request.',
        object('One header.', { name: string('Header name.'), value: string('Header value.') }),
      ),
    }),
    tcpSocket: object('Opens a TCP connection; accepting it is healthy.', {
      port: intOrString('The container port, by number or name.'),
      host: string("The host to connect to; defaults to the pod's IP."),
    }),
    grpc: object('Calls the gRPC health checking protocol.', {
      port: int32('The port of the gRPC service.'),
      service: string('The service name sent in the health check request.'),
    }),
    initialDelaySeconds: int32('Seconds after the container starts before the first probe.'),
    timeoutSeconds: int32('Seconds after which a probe times out (default 1).'),
    periodSeconds: int32('Seconds between probes (default 10).'),
    successThreshold: int32('Consecutive successes after a failure to count as healthy.'),
    failureThreshold: int32('Consecutive failures to count as unhealthy (default 3).'),
    terminationGracePeriodSeconds: int64('A grace period for kills caused by this probe.'),
  });
}

const containerPort = object(
  'A network port the container listens on.',
  {
    name: string('A name for the port, unique in the pod; Services can target it by this name.'),
    containerPort: int32('The port number, 1 to 65535.'),
    protocol: string('TCP (the default), UDP or SCTP.', { default: 'TCP' }),
    hostPort: int32('A port of the node to expose the container port on (rarely needed).'),
    hostIP: string('The node address a hostPort binds to.'),
  },
  { required: ['containerPort'] },
);

const envVar = object(
  'An environment variable.',
  {
    name: string('The variable name.'),
    value: string('The value; `$(OTHER)` expands to an earlier variable.'),
    valueFrom: openObject(
      'Where the value comes from instead: a ConfigMap or Secret key, a field of the pod, or a resource of the container.',
      {
        configMapKeyRef: openObject('A key of a ConfigMap.'),
        secretKeyRef: openObject('A key of a Secret.'),
        fieldRef: openObject('A field of the pod, such as `metadata.namespace`.'),
        resourceFieldRef: openObject('A limit or request of the container.'),
      },
    ),
  },
  { required: ['name'] },
);

const volumeMount = object(
  'Where a volume of the pod is mounted in the container.',
  {
    name: string('The volume, by the name it has in the pod.'),
    mountPath: string('The path inside the container.'),
    readOnly: boolean('Mounts the volume read-only.'),
    recursiveReadOnly: string('Whether read-only applies to submounts too.'),
    subPath: string('A path inside the volume to mount instead of its root.'),
    subPathExpr: string('Like subPath, with `$(VAR)` expanded from the environment.'),
    mountPropagation: string('How mounts propagate between host and container.'),
  },
  { required: ['name', 'mountPath'] },
);

function container(description: string): BuiltinSchema {
  return object(
    description,
    {
      name: string('The container name, a DNS label unique in the pod.'),
      image: string('The container image reference.'),
      command: atomicStrings("The entrypoint; replaces the image's ENTRYPOINT."),
      args: atomicStrings("Arguments to the entrypoint; replace the image's CMD."),
      workingDir: string('The working directory.'),
      ports: keyedList('Ports the container exposes.', containerPort, [
        'containerPort',
        'protocol',
      ]),
      envFrom: atomicList(
        'ConfigMaps and Secrets whose keys all become environment variables.',
        openObject('One source of environment variables.'),
      ),
      env: keyedList('Environment variables.', envVar, ['name']),
      resources: object('Compute resources the container needs and may use.', {
        limits: quantityMap('The most the container may use.'),
        requests: quantityMap('What the container is guaranteed.'),
        claims: keyedList(
          'Dynamically allocated resources the container uses.',
          openObject('A claim by name.', { name: string('The claim name.') }),
          ['name'],
        ),
      }),
      resizePolicy: atomicList(
        'How the container is resized in place.',
        openObject('A policy for one resource.'),
      ),
      restartPolicy: string('For init containers: `Always` makes it a sidecar.'),
      volumeMounts: keyedList('Volumes mounted into the container.', volumeMount, ['mountPath']),
      volumeDevices: keyedList(
        'Block devices the container uses.',
        object('A block device.', {
          name: string('The claim, by volume name.'),
          devicePath: string('The device path in the container.'),
        }),
        ['devicePath'],
      ),
      livenessProbe: probe('Restarts the container when it fails.'),
      readinessProbe: probe('Takes the container out of Service endpoints when it fails.'),
      startupProbe: probe('Holds the other probes back until it succeeds once.'),
      lifecycle: openObject('Hooks run after start and before stop.'),
      terminationMessagePath: string(
        'A file whose content becomes the termination message (default /dev/termination-log).',
      ),
      terminationMessagePolicy: string('File (the default) or FallbackToLogsOnError.'),
      imagePullPolicy: string(
        'Always, Never or IfNotPresent (default Always for `:latest` or untagged images, else IfNotPresent).',
      ),
      securityContext: openObject(
        'Security options of the container (user, capabilities, privilege escalation…).',
      ),
      stdin: boolean('Keeps a stdin buffer open for the container.'),
      stdinOnce: boolean('Closes stdin after the first attach ends.'),
      tty: boolean('Allocates a TTY.'),
    },
    { required: ['name'] },
  );
}

const volume = openObject(
  'A volume pods mount: its name and one source (emptyDir, configMap, secret, persistentVolumeClaim, projected…), kept as sent.',
  {
    name: string('The volume name, a DNS label unique in the pod.'),
    emptyDir: openObject('A scratch directory that lives as long as the pod.'),
    configMap: openObject('The keys of a ConfigMap as files.'),
    secret: openObject('The keys of a Secret as files.'),
    persistentVolumeClaim: openObject('A PersistentVolumeClaim in the same namespace.'),
    projected: openObject('Several sources projected into one directory.'),
    hostPath: openObject('A path on the node.'),
    downwardAPI: openObject('Fields of the pod as files.'),
  },
);

export const podSpecSchema: BuiltinSchema = object('What a pod runs and how.', {
  volumes: keyedList('Volumes the containers can mount.', volume, ['name'], 'merge,retainKeys'),
  initContainers: keyedList(
    'Containers run to completion, in order, before the app containers start.',
    container('An init container.'),
    ['name'],
  ),
  containers: keyedList('The app containers; at least one.', container('An app container.'), [
    'name',
  ]),
  ephemeralContainers: keyedList(
    'Containers added to a running pod for debugging.',
    openObject('An ephemeral container.', { name: string('Its name.') }),
    ['name'],
  ),
  restartPolicy: string('Always (the default), OnFailure or Never.'),
  terminationGracePeriodSeconds: int64('Seconds given to stop gracefully (default 30).'),
  activeDeadlineSeconds: int64('Seconds the pod may be active before it is failed.'),
  dnsPolicy: string('ClusterFirst (the default), ClusterFirstWithHostNet, Default or None.'),
  nodeSelector: stringMap('Node labels the pod must be scheduled onto.'),
  serviceAccountName: string('The ServiceAccount the pod runs as.'),
  serviceAccount: string('Deprecated alias of serviceAccountName.'),
  automountServiceAccountToken: boolean('Whether an API token is mounted.'),
  nodeName: string('The node the pod is bound to; set by the scheduler or by the creator.'),
  hostNetwork: boolean("Uses the node's network namespace."),
  hostPID: boolean("Uses the node's process namespace."),
  hostIPC: boolean("Uses the node's IPC namespace."),
  shareProcessNamespace: boolean('One process namespace for all containers.'),
  securityContext: openObject('Security options for every container of the pod.'),
  imagePullSecrets: keyedList(
    'Secrets with registry credentials for pulling the images.',
    localObjectReference('A Secret by name.'),
    ['name'],
  ),
  hostname: string("The pod's hostname (default: its name)."),
  subdomain: string('A subdomain under a headless Service, for a DNS name of its own.'),
  affinity: openObject('Node and pod affinity and anti-affinity rules.'),
  schedulerName: string('The scheduler that places the pod (default `default-scheduler`).'),
  tolerations: atomicList(
    'Taints the pod tolerates.',
    openObject('One toleration.', {
      key: string('The taint key.'),
      operator: string('Exists or Equal (the default).'),
      value: string('The taint value, for Equal.'),
      effect: string('NoSchedule, PreferNoSchedule or NoExecute; empty matches all.'),
      tolerationSeconds: int64('How long a NoExecute taint is tolerated.'),
    }),
  ),
  hostAliases: keyedList(
    'Extra /etc/hosts entries.',
    object('Host names for one IP.', {
      ip: string('The address.'),
      hostnames: atomicStrings('Names for it.'),
    }),
    ['ip'],
  ),
  priorityClassName: string('The PriorityClass that sets the pod priority.'),
  priority: int32('The priority value, resolved from priorityClassName.'),
  dnsConfig: openObject('DNS settings merged with those of dnsPolicy.'),
  readinessGates: atomicList(
    'Extra conditions that must be true for the pod to be ready.',
    object('A condition type.', { conditionType: string('The condition type.') }),
  ),
  runtimeClassName: string('The RuntimeClass the pod runs with.'),
  enableServiceLinks: boolean('Injects environment variables for Services (default true).'),
  preemptionPolicy: string('PreemptLowerPriority (the default) or Never.'),
  overhead: quantityMap('Resources the pod sandbox uses beyond its containers.'),
  topologySpreadConstraints: keyedList(
    'How pods spread across topology domains.',
    openObject('One constraint.', {
      topologyKey: string('The node label that defines domains.'),
      whenUnsatisfiable: string('DoNotSchedule or ScheduleAnyway.'),
    }),
    ['topologyKey', 'whenUnsatisfiable'],
  ),
  setHostnameAsFQDN: boolean("Sets the hostname to the pod's FQDN."),
  os: object('The operating system the pod needs.', { name: string('linux or windows.') }),
  hostUsers: boolean("Uses the host's user namespace (default true)."),
  schedulingGates: keyedList(
    'Gates that keep the pod from being scheduled until removed.',
    object('A gate.', { name: string('The gate name.') }),
    ['name'],
  ),
  resourceClaims: keyedList(
    'Dynamically allocated resources the pod uses.',
    openObject('A claim.', { name: string('Its name in the pod.') }),
    ['name'],
  ),
  resources: object('Resources for the pod as a whole.', {
    limits: quantityMap('The most the pod may use.'),
    requests: quantityMap('What the pod is guaranteed.'),
  }),
});

/** Labels and annotations a pod template stamps onto each pod it makes. */
const templateMetadata = openObject('Labels and annotations of the pods made from it.', {
  name: string('Ignored: pods get names from their controller.'),
  labels: stringMap('Labels; must match the selector of the controller.'),
  annotations: stringMap('Annotations.'),
});

export function podTemplateSpecSchema(description: string): BuiltinSchema {
  return object(description, { metadata: templateMetadata, spec: podSpecSchema });
}

const containerState = object(
  'What the container is doing: exactly one of waiting, running, terminated.',
  {
    waiting: object('Not running yet.', {
      reason: string('Why, in one word (ContainerCreating, CrashLoopBackOff…).'),
      message: string('Why, for people.'),
    }),
    running: object('Running.', { startedAt: time('When it started.') }),
    terminated: object('Ended.', {
      exitCode: int32('Its exit code.'),
      signal: int32('The signal that ended it.'),
      reason: string('Why, in one word (Completed, Error, OOMKilled…).'),
      message: string('Why, for people.'),
      startedAt: time('When it started.'),
      finishedAt: time('When it ended.'),
      containerID: string('The runtime ID of the container.'),
    }),
  },
);

const containerStatus = openObject('The state of one container.', {
  name: string('The container name.'),
  state: containerState,
  lastState: containerState,
  ready: boolean('Whether it passes its readiness probe.'),
  restartCount: int32('How many times it was restarted.'),
  image: string('The image it runs.'),
  imageID: string('The resolved image ID.'),
  containerID: string('The runtime ID of the container.'),
  started: boolean('Whether it passed its startup probe.'),
});

const podIP = object('An address of the pod.', { ip: string('The address.') });

export const podStatusSchema: BuiltinSchema = object('What is known about the pod.', {
  phase: string('Pending, Running, Succeeded, Failed or Unknown.'),
  conditions: keyedList(
    'Observations: PodScheduled, Initialized, ContainersReady, Ready…',
    object(
      'One observation.',
      {
        type: string('The condition type.'),
        status: string('True, False or Unknown.'),
        lastProbeTime: time('When it was last probed.'),
        lastTransitionTime: time('When it last changed.'),
        reason: string('Why, in one word.'),
        message: string('Why, for people.'),
        observedGeneration: int64('The pod generation it was observed at.'),
      },
      { required: ['type', 'status'] },
    ),
    ['type'],
  ),
  message: string('Why the pod is in this state, for people.'),
  reason: string('Why the pod is in this state, in one word (Evicted…).'),
  nominatedNodeName: string('The node preemption made room on.'),
  hostIP: string('The address of the node the pod runs on.'),
  hostIPs: keyedList('The addresses of the node.', podIP, ['ip']),
  podIP: string('The address of the pod.'),
  podIPs: keyedList('The addresses of the pod; the first is podIP.', podIP, ['ip']),
  startTime: time('When the node accepted the pod.'),
  initContainerStatuses: atomicList('The init containers.', containerStatus),
  containerStatuses: atomicList('The app containers.', containerStatus),
  ephemeralContainerStatuses: atomicList('The ephemeral containers.', containerStatus),
  qosClass: string('Guaranteed, Burstable or BestEffort, from the resource requests.'),
  resize: string('The state of an in-place resize.'),
  observedGeneration: int64('The pod generation the status was written for.'),
});
