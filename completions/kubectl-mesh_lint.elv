
use builtin;
use str;

set edit:completion:arg-completer[kubectl-mesh_lint] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kubectl-mesh_lint'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kubectl-mesh_lint'= {
            cand -o 'Output format'
            cand --format 'Output format'
            cand -n 'Namespace for objects without metadata.namespace [default: default]'
            cand --namespace 'Namespace for objects without metadata.namespace [default: default]'
            cand --istio-version 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]'
            cand --mesh-config 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)'
            cand --native-sidecars 'istiod''s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio''s for the version]'
            cand --cluster-domain 'Cluster DNS domain [default: cluster.local]'
            cand --config 'Config file [default: nearest .mesh-lint.yaml upwards]'
            cand --select 'Rules to run: codes, prefixes (MESH1) or names, comma-separated'
            cand --ignore 'Rules not to run: codes, prefixes or names, comma-separated'
            cand --fail-on 'Lowest severity that makes the exit status 1 [default: warning]'
            cand --exclude 'Glob of paths not to lint (repeatable)'
            cand --mesh 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --complete-inputs 'The inputs are the cluster''s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them'
            cand --fix 'Apply safe fixes'
            cand --unsafe-fixes 'Also apply unsafe fixes (they change behaviour, as intended)'
            cand --diff 'Print the fixes as a diff instead of writing them'
            cand --statistics 'Print counts per rule instead of findings'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Lint files, directories (recursively) or `-` (stdin). The default command'
            cand explain 'Print a rule''s documentation: what it finds, why it matters, examples, fix safety'
            cand rules 'List every rule'
            cand listeners 'Show the outbound listeners a sidecar gets, like `istioctl proxy-config listeners`'
            cand trace 'Follow one connection through a sidecar: iptables, listener, route, cluster'
            cand completions 'Print a shell completion script'
        }
        &'kubectl-mesh_lint;check'= {
            cand -o 'Output format'
            cand --format 'Output format'
            cand -n 'Namespace for objects without metadata.namespace [default: default]'
            cand --namespace 'Namespace for objects without metadata.namespace [default: default]'
            cand --istio-version 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]'
            cand --mesh-config 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)'
            cand --native-sidecars 'istiod''s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio''s for the version]'
            cand --cluster-domain 'Cluster DNS domain [default: cluster.local]'
            cand --config 'Config file [default: nearest .mesh-lint.yaml upwards]'
            cand --select 'Rules to run: codes, prefixes (MESH1) or names, comma-separated'
            cand --ignore 'Rules not to run: codes, prefixes or names, comma-separated'
            cand --fail-on 'Lowest severity that makes the exit status 1 [default: warning]'
            cand --exclude 'Glob of paths not to lint (repeatable)'
            cand --mesh 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand --complete-inputs 'The inputs are the cluster''s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them'
            cand --fix 'Apply safe fixes'
            cand --unsafe-fixes 'Also apply unsafe fixes (they change behaviour, as intended)'
            cand --diff 'Print the fixes as a diff instead of writing them'
            cand --statistics 'Print counts per rule instead of findings'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-mesh_lint;explain'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-mesh_lint;rules'= {
            cand -o 'o'
            cand --format 'format'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-mesh_lint;listeners'= {
            cand --istio-version 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]'
            cand --mesh-config 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)'
            cand --cluster-domain 'Cluster DNS domain [default: cluster.local]'
            cand --config 'Config file [default: nearest .mesh-lint.yaml upwards]'
            cand --exclude 'Glob of paths not to read (repeatable)'
            cand --namespace 'Namespace of the sidecar (required unless --graph)'
            cand --workload 'The workload (Deployment, StatefulSet, Pod, ...) whose own Sidecar applies'
            cand --port 'Only listeners on this port'
            cand -o 'Output format'
            cand --format 'Output format'
            cand --graph 'Draw which namespaces get which wildcard listeners instead'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-mesh_lint;trace'= {
            cand --istio-version 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]'
            cand --mesh-config 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)'
            cand --cluster-domain 'Cluster DNS domain [default: cluster.local]'
            cand --config 'Config file [default: nearest .mesh-lint.yaml upwards]'
            cand --exclude 'Glob of paths not to read (repeatable)'
            cand --from 'The client: NAMESPACE or NAMESPACE/WORKLOAD'
            cand --to 'The destination: HOST:PORT, pod:NS/NAME:PORT or IP:PORT'
            cand -o 'Output format'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'kubectl-mesh_lint;completions'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
    ]
    $completions[$command]
}
