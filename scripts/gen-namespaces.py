#!/usr/bin/env python3
"""Generate a mesh of many namespaces, to measure the scoping rules (MESH201-MESH205) at scale.

usage: scripts/gen-namespaces.py OUT_DIR [NAMESPACES=8000] [ROOT_SIDECAR=1]

One file per namespace `team-<i>`: a Namespace labelled `istio-injection: enabled`, a
Deployment, a Service, a ServiceEntry without exportTo (a MESH202 finding each) and a Sidecar
selecting the Deployment that imports its own namespace, the next one and istio-system. With
ROOT_SIDECAR=1, `mesh.yaml` adds the root namespace's default Sidecar (`./*`,
`istio-system/*`). Measure with:

    /usr/bin/time -v target/release/mesh-lint --select MESH2 -o json --fail-on never OUT_DIR
"""
import os
import sys


def check_usage():
    """Print the usage and exit for -h/--help (status 0) or any other option (status 2):
    the first argument is a directory to create, never an option."""
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    if sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    if sys.argv[1].startswith("-"):
        print(f"unknown option {sys.argv[1]}\n\n{__doc__.strip()}", file=sys.stderr)
        sys.exit(2)


check_usage()
out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
root_sidecar = (sys.argv[3] if len(sys.argv) > 3 else "1") == "1"
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "mesh.yaml"), "w") as f:
    if root_sidecar:
        f.write('apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: istio-system}\nspec:\n  egress: [{hosts: ["./*", "istio-system/*"]}]\n')
for i in range(n):
    ns = f"team-{i}"
    with open(os.path.join(out, f"{ns}.yaml"), "w") as f:
        f.write(f"""apiVersion: v1
kind: Namespace
metadata: {{name: {ns}, labels: {{istio-injection: enabled}}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app, namespace: {ns}}}
spec:
  selector: {{matchLabels: {{app: app}}}}
  template:
    metadata: {{labels: {{app: app, tier: web}}}}
    spec: {{containers: [{{name: app, image: app:1, ports: [{{containerPort: 8080}}]}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: app, namespace: {ns}}}
spec: {{selector: {{app: app}}, ports: [{{name: http, port: 80, targetPort: 8080}}]}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: ext, namespace: {ns}}}
spec: {{hosts: [api{i}.example.com], ports: [{{number: 443, name: tls, protocol: TLS}}], resolution: DNS}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: web, namespace: {ns}}}
spec:
  workloadSelector: {{labels: {{tier: web}}}}
  egress: [{{hosts: ["./*", "team-{(i+1)%n}/*", "istio-system/*"]}}]
""")
