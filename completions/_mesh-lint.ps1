
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mesh-lint' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mesh-lint'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mesh-lint' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for objects without metadata.namespace [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for objects without metadata.namespace [default: default]')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'istiod''s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio''s for the version]')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'Cluster DNS domain [default: cluster.local]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: nearest .mesh-lint.yaml upwards]')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Rules to run: codes, prefixes (MESH1) or names, comma-separated')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Rules not to run: codes, prefixes or names, comma-separated')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the exit status 1 [default: warning]')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Glob of paths not to lint (repeatable)')
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--complete-inputs', '--complete-inputs', [CompletionResultType]::ParameterName, 'The inputs are the cluster''s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Apply safe fixes')
            [CompletionResult]::new('--unsafe-fixes', '--unsafe-fixes', [CompletionResultType]::ParameterName, 'Also apply unsafe fixes (they change behaviour, as intended)')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print the fixes as a diff instead of writing them')
            [CompletionResult]::new('--statistics', '--statistics', [CompletionResultType]::ParameterName, 'Print counts per rule instead of findings')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Lint files, directories (recursively) or `-` (stdin). The default command')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print a rule''s documentation: what it finds, why it matters, examples, fix safety')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List every rule')
            [CompletionResult]::new('listeners', 'listeners', [CompletionResultType]::ParameterValue, 'Show the outbound listeners a sidecar gets, like `istioctl proxy-config listeners`')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Follow one connection through a sidecar: iptables, listener, route, cluster')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            break
        }
        'mesh-lint;check' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for objects without metadata.namespace [default: default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for objects without metadata.namespace [default: default]')
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)')
            [CompletionResult]::new('--native-sidecars', '--native-sidecars', [CompletionResultType]::ParameterName, 'istiod''s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio''s for the version]')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'Cluster DNS domain [default: cluster.local]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: nearest .mesh-lint.yaml upwards]')
            [CompletionResult]::new('--select', '--select', [CompletionResultType]::ParameterName, 'Rules to run: codes, prefixes (MESH1) or names, comma-separated')
            [CompletionResult]::new('--ignore', '--ignore', [CompletionResultType]::ParameterName, 'Rules not to run: codes, prefixes or names, comma-separated')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Lowest severity that makes the exit status 1 [default: warning]')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Glob of paths not to lint (repeatable)')
            [CompletionResult]::new('--mesh', '--mesh', [CompletionResultType]::ParameterName, 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('--complete-inputs', '--complete-inputs', [CompletionResultType]::ParameterName, 'The inputs are the cluster''s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Apply safe fixes')
            [CompletionResult]::new('--unsafe-fixes', '--unsafe-fixes', [CompletionResultType]::ParameterName, 'Also apply unsafe fixes (they change behaviour, as intended)')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print the fixes as a diff instead of writing them')
            [CompletionResult]::new('--statistics', '--statistics', [CompletionResultType]::ParameterName, 'Print counts per rule instead of findings')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh-lint;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh-lint;rules' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'o')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh-lint;listeners' {
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'Cluster DNS domain [default: cluster.local]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: nearest .mesh-lint.yaml upwards]')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Glob of paths not to read (repeatable)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the sidecar (required unless --graph)')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'The workload (Deployment, StatefulSet, Pod, ...) whose own Sidecar applies')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Only listeners on this port')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'Draw which namespaces get which wildcard listeners instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh-lint;trace' {
            [CompletionResult]::new('--istio-version', '--istio-version', [CompletionResultType]::ParameterName, 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]')
            [CompletionResult]::new('--mesh-config', '--mesh-config', [CompletionResultType]::ParameterName, 'MeshConfig YAML (what the `istio` ConfigMap''s `mesh` key holds)')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'Cluster DNS domain [default: cluster.local]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: nearest .mesh-lint.yaml upwards]')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Glob of paths not to read (repeatable)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The client: NAMESPACE or NAMESPACE/WORKLOAD')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The destination: HOST:PORT, pod:NS/NAME:PORT or IP:PORT')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'mesh-lint;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
