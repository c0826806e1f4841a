"""The official Kubernetes Python client against a Canopy server, one scenario per run.

Usage: /usr/bin/python3 client_scenario.py <kubeconfig> <new namespace> [apiVersion:Kind,...]

Drives the client the way Python programs use it: typed CoreV1Api calls, paging with
`_continue`, watches with `watch.Watch` resumed from the last resourceVersion seen (as an
informer does after a dropped connection), JSON and strategic merge patches, server-side
apply with and without `force_conflicts`, deletion with `orphan_dependents`, and the dynamic
client's discovery. Prints one JSON object of what it saw; the e2e test judges it.
"""
import json
import sys
import threading
import time

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

kubeconfig, ns = sys.argv[1], sys.argv[2]
# More kinds for discovery to find, as apiVersion:Kind pairs separated by commas.
extra_kinds = [k.rsplit(":", 1) for k in sys.argv[3].split(",")] if len(sys.argv) > 3 else []
api_client = config.new_client_from_config(config_file=kubeconfig)
core = client.CoreV1Api(api_client)
seen = {}


def cm(name, labels=None, data=None, owners=None):
    meta = client.V1ObjectMeta(name=name, labels=labels or {}, owner_references=owners)
    return client.V1ConfigMap(metadata=meta, data=data or {})


def until(what, fn, timeout=30):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        time.sleep(0.1)


core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))

# Paging: five objects, two per page, followed by _continue.
for i in range(5):
    core.create_namespaced_config_map(ns, cm(f"page-{i}", labels={"py": "paged"}))
names, token, pages = [], None, 0
while True:
    page = core.list_namespaced_config_map(
        ns, label_selector="py=paged", limit=2, _continue=token
    )
    pages += 1
    names += [item.metadata.name for item in page.items]
    token = page.metadata._continue
    if not token:
        break
seen["paging"] = {"names": names, "pages": pages}

# A watch from a list's resourceVersion, then resumed from the last event's.
listed = core.list_namespaced_config_map(ns, label_selector="py=watched")
events = []


def watch_from(rv, count):
    w = watch.Watch()
    got = []
    for event in w.stream(
        core.list_namespaced_config_map,
        ns,
        label_selector="py=watched",
        resource_version=rv,
        timeout_seconds=10,
    ):
        got.append(
            {
                "type": event["type"],
                "name": event["object"].metadata.name,
                "rv": event["object"].metadata.resource_version,
                "value": (event["object"].data or {}).get("v"),
            }
        )
        if len(got) == count:
            w.stop()
    return got


first = []
t = threading.Thread(target=lambda: first.extend(watch_from(listed.metadata.resource_version, 2)))
t.start()
time.sleep(0.5)
core.create_namespaced_config_map(ns, cm("watched", labels={"py": "watched"}, data={"v": "1"}))
core.patch_namespaced_config_map("watched", ns, {"data": {"v": "2"}})
t.join(20)
# While nobody watches: two more changes, then resume from the last resourceVersion seen.
core.patch_namespaced_config_map("watched", ns, {"data": {"v": "3"}})
core.delete_namespaced_config_map("watched", ns)
resumed = watch_from(first[-1]["rv"], 2) if first else []
seen["watch"] = {"first": first, "resumed": resumed}

# Patches: a JSON patch (a list) and a strategic merge patch (a dict).
core.create_namespaced_config_map(ns, cm("patched", data={"a": "1"}))
core.patch_namespaced_config_map(
    "patched", ns, [{"op": "add", "path": "/data/b", "value": "2"}]
)
core.patch_namespaced_config_map("patched", ns, {"metadata": {"labels": {"x": "y"}}})
patched = core.read_namespaced_config_map("patched", ns)
seen["patch"] = {"data": patched.data, "labels": patched.metadata.labels}

# Server-side apply through the dynamic client: a conflict, then force_conflicts=True.
dyn = dynamic.DynamicClient(api_client)
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
body = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "applied", "namespace": ns},
    "data": {"k": "one"},
}



def apply(manager, force=None):
    # This client version sends apply patches only as text it is given.
    return dyn.server_side_apply(
        cms,
        body=json.dumps(body),
        name="applied",
        namespace=ns,
        field_manager=manager,
        force_conflicts=force,
    )


apply("first")
body["data"]["k"] = "two"
try:
    apply("second")
    conflict = None
except ApiException as err:
    conflict = err.status
forced = apply("second", force=True)
seen["apply"] = {"conflict": conflict, "forced": forced.data.k}

# Delete with orphaning: the dependent stays and loses its owner reference.
owner = core.create_namespaced_config_map(ns, cm("owner"))
ref = client.V1OwnerReference(
    api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid
)
core.create_namespaced_config_map(ns, cm("dependent", owners=[ref]))
core.delete_namespaced_config_map("owner", ns, orphan_dependents=True)


def gone(name):
    try:
        core.read_namespaced_config_map(name, ns)
        return False
    except ApiException as err:
        return err.status == 404


until("the owner gone", lambda: gone("owner"))
orphan = until(
    "the dependent orphaned",
    lambda: (lambda d: d if not d.metadata.owner_references else None)(
        core.read_namespaced_config_map("dependent", ns)
    ),
)
seen["orphan"] = {"dependent": orphan.metadata.name}

# Dynamic discovery: resources found by kind, listed through the dynamic client.
found = {}
kinds = [("v1", "ConfigMap"), ("v1", "Namespace"), ("rbac.authorization.k8s.io/v1", "Role")]
for api_version, kind in kinds + [tuple(k) for k in extra_kinds]:
    resource = dyn.resources.get(api_version=api_version, kind=kind)
    found[kind] = {"name": resource.name, "namespaced": resource.namespaced}
listed_dyn = dyn.get(cms, namespace=ns, label_selector="py=paged")
seen["discovery"] = {"found": found, "listed": len(listed_dyn.items)}

print(json.dumps(seen))
