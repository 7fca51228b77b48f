#!/usr/bin/env python3
"""Generate a benchmark corpus of Helm-style manifests (seeded, reproducible).

usage: scripts/gen-corpus.py OUT_DIR [FILES=100] [APPS_PER_FILE=75]

Each app renders a Service, Deployment, VirtualService and DestinationRule (and every other app
a Sidecar or ServiceEntry) with `# Source:` comments, as `helm template` emits them. About one
port in eight is misnamed, so the run has findings to render.
"""
import os
import random
import sys

SERVICE = """---
# Source: {chart}/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/instance: release-{i}
spec:
  selector:
    app: {app}
  ports:
    - name: {port_name}
      port: {port}
      targetPort: {target}
    - name: grpc-admin
      port: {admin}
"""

DEPLOYMENT = """---
# Source: {chart}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
        version: v1
      annotations:
        proxy.istio.io/config: '{{"holdApplicationUntilProxyStarts": true}}'
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.{i}.0
          ports:
            - name: http
              containerPort: {target}
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: {target}
"""

VIRTUAL_SERVICE = """---
# Source: {chart}/templates/virtualservice.yaml
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {app}
  namespace: {ns}
spec:
  hosts:
    - {app}.{ns}.svc.cluster.local
  http:
    - match:
        - headers:
            x-canary:
              exact: "true"
      route:
        - destination:
            host: {app}.{ns}.svc.cluster.local
            subset: v1
            port:
              number: {port}
    - route:
        - destination:
            host: {app}.{ns}.svc.cluster.local
            subset: v1
            port:
              number: {port}
          weight: 100
"""

DESTINATION_RULE = """---
# Source: {chart}/templates/destinationrule.yaml
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {app}
  namespace: {ns}
spec:
  host: {app}.{ns}.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
  subsets:
    - name: v1
      labels:
        version: v1
"""

SIDECAR = """---
# Source: {chart}/templates/sidecar.yaml
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: {app}
  namespace: {ns}
spec:
  workloadSelector:
    labels:
      app: {app}
  egress:
    - hosts:
        - "./*"
        - "istio-system/*"
"""

SERVICE_ENTRY = """---
# Source: {chart}/templates/serviceentry.yaml
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {app}-external
  namespace: {ns}
spec:
  hosts:
    - {app}.api.example.com
  exportTo: ["."]
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - number: 443
      name: https
      protocol: HTTPS
"""


def main():
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    apps = int(sys.argv[3]) if len(sys.argv) > 3 else 75
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    total = 0
    for f in range(files):
        parts = []
        ns = f"team-{f % 20}"
        for a in range(apps):
            i = f * apps + a
            app = f"svc-{i}"
            ctx = dict(
                chart=f"chart-{f}",
                app=app,
                ns=ns,
                i=i,
                port=rng.choice([80, 8080, 9080]),
                target=rng.choice([8080, 9000, 9080]),
                admin=9000 + rng.randrange(1000),
                port_name="web" if rng.random() < 0.125 else "http-web",
            )
            parts += [SERVICE, DEPLOYMENT, VIRTUAL_SERVICE, DESTINATION_RULE]
            parts.append(SIDECAR if a % 2 else SERVICE_ENTRY)
            text = "".join(p.format(**ctx) for p in parts[-5:])
            parts[-5:] = [text]
        path = os.path.join(out, f"release-{f:03}.yaml")
        with open(path, "w") as fh:
            fh.write("".join(parts))
        total += os.path.getsize(path)
    print(f"{files} files, {total} bytes, {files * apps * 5} documents in {out}")


if __name__ == "__main__":
    main()
