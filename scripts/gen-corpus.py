#!/usr/bin/env python3
"""Generate a benchmark mesh: one file per namespace (seeded, reproducible).

usage: scripts/gen-corpus.py OUT_DIR [NAMESPACES=1000]

Each namespace file holds what a team's namespace in a large mesh holds: a Namespace, three
Deployments, three Services with two ports each, a VirtualService and a DestinationRule, a
ConfigMap, a ServiceEntry, and in every other namespace a Sidecar (one in five of those
namespace-wide, the rest for one workload). About 11.5 objects and 8 KB per namespace. No
Service sets exportTo, Istio's default and the common case: every Service is visible in every
namespace, so the cost of a lint must not grow with namespaces x ports. About one port in
eight is misnamed and one route in forty names a host that does not exist, so the run has
findings to render.
"""
import os
import random
import sys

NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    istio-injection: enabled
    team: {team}
"""

SERVICE = """---
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: {ns}
spec:
  selector:
    app: {app}
  ports:
    - name: {port_name}
      port: {port}
      targetPort: {target}
    - name: grpc-admin
      port: {admin}
      targetPort: 9901
"""

DEPLOYMENT = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {app}
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
      serviceAccountName: {app}
      containers:
        - name: {app}
          image: registry.example.com/{ns}/{app}:1.{i}.0
          ports:
            - name: http
              containerPort: {target}
            - name: grpc-admin
              containerPort: 9901
          env:
            - name: LOG_LEVEL
              value: info
            - name: UPSTREAM
              value: "http://{peer}.{ns}.svc.cluster.local:{port}"
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: "http://otel-collector.observability.svc.cluster.local:4317"
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: {target}
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /healthz
              port: {target}
            initialDelaySeconds: 15
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: settings
              mountPath: /etc/{app}
              readOnly: true
      volumes:
        - name: settings
          configMap:
            name: {ns}-settings
"""

VIRTUAL_SERVICE = """---
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
            host: {route_host}
            port:
              number: {port}
          weight: 100
"""

DESTINATION_RULE = """---
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

CONFIG_MAP = """---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {ns}-settings
  namespace: {ns}
data:
  application.yaml: |
    server:
      port: {target}
    logging:
      level: info
    features:
      canary: true
      tracing: {tracing}
"""

SERVICE_ENTRY = """---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: {ns}-payments-api
  namespace: {ns}
spec:
  hosts:
    - payments-{ns}.api.example.com
  location: MESH_EXTERNAL
  resolution: DNS
  ports:
    - number: 443
      name: https
      protocol: HTTPS
"""

SIDECAR_WORKLOAD = """---
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

SIDECAR_NAMESPACE = """---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: {ns}
spec:
  egress:
    - hosts:
        - "./*"
        - "istio-system/*"
        - "{other}/*"
"""


def namespace_text(n, rng):
    ns = f"team-{n:05}"
    parts = [NAMESPACE.format(ns=ns, team=f"t{n % 97}")]
    apps = [f"{kind}-{n}" for kind in ("api", "web", "worker")]
    ctx = {}
    for k, app in enumerate(apps):
        port = rng.choice([80, 8080, 9080])
        ctx = dict(
            ns=ns,
            app=app,
            peer=apps[(k + 1) % 3],
            i=n,
            port=port,
            target=rng.choice([8080, 9000, 9080]),
            admin=9000 + rng.randrange(1000),
            port_name="web" if rng.random() < 0.125 else "http-web",
        )
        parts.append(DEPLOYMENT.format(**ctx))
        parts.append(SERVICE.format(**ctx))
    app = apps[0]
    route_host = f"{app}.{ns}.svc.cluster.local"
    if rng.random() < 0.025:
        route_host = f"retired-{n}.{ns}.svc.cluster.local"
    parts.append(VIRTUAL_SERVICE.format(ns=ns, app=app, port=80, route_host=route_host))
    parts.append(DESTINATION_RULE.format(ns=ns, app=app))
    parts.append(
        CONFIG_MAP.format(ns=ns, target=ctx["target"], tracing="true" if n % 2 else "false")
    )
    parts.append(SERVICE_ENTRY.format(ns=ns))
    if n % 2:
        if n % 10 == 1:
            other = f"team-{(n + 1) % 100000:05}"
            parts.append(SIDECAR_NAMESPACE.format(ns=ns, other=other))
        else:
            parts.append(SIDECAR_WORKLOAD.format(ns=ns, app=apps[1]))
    return ns, "".join(parts)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip())
    if sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    if sys.argv[1].startswith("-"):
        sys.exit(f"unknown option {sys.argv[1]}\n\n{__doc__.strip()}")
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(42)
    os.makedirs(out, exist_ok=True)
    total = objects = 0
    for n in range(count):
        ns, text = namespace_text(n, rng)
        path = os.path.join(out, f"{ns}.yaml")
        with open(path, "w") as fh:
            fh.write(text)
        total += len(text.encode())
        objects += text.count("\nkind: ")
    print(f"{count} namespaces, {count} files, {total} bytes, {objects} objects in {out}")


if __name__ == "__main__":
    main()
