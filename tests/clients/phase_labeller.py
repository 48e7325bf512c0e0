"""A small controller written with the official Python client (`kubernetes` on PyPI), as an
operator's author would write one: it watches the pods of a namespace and patches each with a
`phase` label that mirrors its status.phase. It stops once `count` pods are labelled
`phase=Running`, printing one line per patch it sent.

    python3 phase_labeller.py KUBECONFIG NAMESPACE COUNT
"""

import sys

from kubernetes import client, config, watch


def main(kubeconfig, namespace, count):
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    running = set()
    stream = watch.Watch().stream(core.list_namespaced_pod, namespace, timeout_seconds=60)
    for event in stream:
        pod = event["object"]
        name, phase = pod.metadata.name, pod.status.phase
        labels = pod.metadata.labels or {}
        if event["type"] != "DELETED" and labels.get("phase") != phase:
            body = {"metadata": {"labels": {"phase": phase}}}
            core.patch_namespaced_pod(name, namespace, body)
            print(f"{name} phase={phase}", flush=True)
        if phase == "Running":
            running.add(name)
        if len(running) >= count:
            return 0
    print("the watch ended before every pod ran", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
