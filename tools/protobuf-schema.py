#!/usr/bin/env python3
"""Writes src/apiserver/protobuf/schema.txt: the protobuf field numbers, JSON names and
shapes of the API kinds kubesim decodes from protobuf request bodies.

Kubernetes' Go types carry their wire numbers in struct tags (`protobuf:"bytes,2,opt,name=x"`
beside `json:"x,omitempty"`); this reads them from the API's types.go files at the version
kubesim serves and keeps only the messages the decoded kinds reach.

    tools/protobuf-schema.py API_REPO APIMACHINERY_REPO TAG > src/apiserver/protobuf/schema.txt

where the repositories are clones of github.com/kubernetes/api and
github.com/kubernetes/apimachinery and TAG is e.g. v0.34.9 (k8s-openapi's v1_34).
"""
import re
import subprocess
import sys

# The packages read: (package path as kubesim names it, repository, file).
PACKAGES = [
    ("core/v1", "api", "core/v1/types.go"),
    ("apps/v1", "api", "apps/v1/types.go"),
    ("batch/v1", "api", "batch/v1/types.go"),
    ("policy/v1", "api", "policy/v1/types.go"),
    ("scheduling.k8s.io/v1", "api", "scheduling/v1/types.go"),
    ("networking.k8s.io/v1", "api", "networking/v1/types.go"),
    ("discovery.k8s.io/v1", "api", "discovery/v1/types.go"),
    ("autoscaling/v1", "api", "autoscaling/v1/types.go"),
    ("autoscaling/v2", "api", "autoscaling/v2/types.go"),
    ("coordination.k8s.io/v1", "api", "coordination/v1/types.go"),
    ("meta/v1", "apimachinery", "pkg/apis/meta/v1/types.go"),
]

# Import paths to kubesim's package names.
IMPORTS = {
    "k8s.io/api/core/v1": "core/v1",
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
}

# Types the decoder knows by their shape rather than as messages.
SPECIAL = {
    "meta/v1.Time": "time",
    "meta/v1.MicroTime": "microtime",
    "meta/v1.Duration": "duration",
    "resource.Quantity": "quantity",
    "intstr.IntOrString": "intorstr",
    "runtime.RawExtension": "raw",
    "meta/v1.FieldsV1": "raw",
    "types.UID": "str",
    "string": "str",
    "bool": "bool",
    "float64": "double",
    "int32": "int", "int64": "int", "int": "int", "uint32": "int", "uint64": "int",
}

# The kinds decoded, and what a request may carry besides.
ROOTS = [
    "core/v1." + k for k in [
        "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
        "PersistentVolumeClaim", "Pod", "ResourceQuota", "Secret", "ServiceAccount",
        "Service", "Binding"]
] + [
    "apps/v1.DaemonSet", "apps/v1.Deployment", "apps/v1.ReplicaSet", "apps/v1.StatefulSet",
    "autoscaling/v2.HorizontalPodAutoscaler", "autoscaling/v1.Scale",
    "batch/v1.CronJob", "batch/v1.Job", "discovery.k8s.io/v1.EndpointSlice",
    "networking.k8s.io/v1.Ingress", "policy/v1.PodDisruptionBudget", "policy/v1.Eviction",
    "scheduling.k8s.io/v1.PriorityClass", "coordination.k8s.io/v1.Lease",
    "meta/v1.DeleteOptions",
]

STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
NAMED = re.compile(r"^type (\w+) ([\w\.\[\]\*]+)\s*$", re.M)
FIELD = re.compile(r'^\t(?:(\w+)\s+)?(\S+)\s+`([^`]*)`', re.M)
TAG = re.compile(r'(\w+):"([^"]*)"')


def show(repo, tag, path):
    return subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def main(api, apimachinery, tag):
    repos = {"api": api, "apimachinery": apimachinery}
    structs, named = {}, {}
    for package, repo, path in PACKAGES:
        source = show(repos[repo], tag, path)
        aliases = {}
        for alias, imported in re.findall(r'^\t(\w+)?\s*"([^"]+)"', source, re.M):
            name = alias or imported.rsplit("/", 1)[-1]
            aliases[name] = IMPORTS.get(imported, name)
        for name, target in NAMED.findall(source):
            named[f"{package}.{name}"] = (package, aliases, target)
        for name, body in STRUCT.findall(source):
            structs[f"{package}.{name}"] = (package, aliases, body)

    def qualify(package, aliases, go_type):
        if "." in go_type:
            alias, name = go_type.split(".", 1)
            return f"{aliases.get(alias, alias)}.{name}"
        return go_type if go_type in SPECIAL else f"{package}.{go_type}"

    def shape(package, aliases, go_type):
        """(kind, repeated, map) of a Go type, named types resolved."""
        go_type = go_type.lstrip("*")
        if go_type == "[]byte":
            return "bytes", False, False
        if go_type.startswith("[]"):
            kind, _, _ = shape(package, aliases, go_type[2:])
            return kind, True, False
        if go_type.startswith("map["):
            kind, _, _ = shape(package, aliases, go_type[go_type.index("]") + 1:])
            return kind, False, True
        name = qualify(package, aliases, go_type)
        if name in SPECIAL:
            return SPECIAL[name], False, False
        if name in named:
            return shape(*named[name])
        if name in structs:
            return name, False, False
        sys.exit(f"unknown type {go_type} in {package}")

    out, todo, seen = [], list(ROOTS), set()
    while todo:
        message = todo.pop(0)
        if message in seen:
            continue
        seen.add(message)
        package, aliases, body = structs[message]
        lines = [f"message {message}"]
        for _name, go_type, tags in FIELD.findall(body):
            tags = dict(TAG.findall(tags))
            if "protobuf" not in tags:
                continue
            number = tags["protobuf"].split(",")[1]
            json_name = tags.get("json", "").split(",")[0]
            kind, repeated, is_map = shape(package, aliases, go_type)
            flags = []
            if go_type.startswith("*"):
                flags.append("ptr")
            if repeated:
                flags.append("list")
            if is_map:
                flags.append("map")
            if not json_name:
                flags.append("inline")
                json_name = "-"
            lines.append(" ".join([f"  {number}", json_name, kind] + flags))
            if "/" in kind and kind not in seen:
                todo.append(kind)
        out.append("\n".join(lines))
    print(f"# Generated by tools/protobuf-schema.py from kubernetes/api and apimachinery {tag}:")
    print("# message PACKAGE.NAME, then per field: NUMBER JSON-NAME SHAPE [ptr] [list] [map] [inline]")
    print("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
