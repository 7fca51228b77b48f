# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mesh_lint_global_optspecs
    string join \n o/format= n/namespace= istio-version= mesh-config= native-sidecars= complete-inputs cluster-domain= config= select= ignore= fail-on= fix unsafe-fixes diff exclude= mesh= color= statistics h/help V/version
end

function __fish_mesh_lint_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mesh_lint_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mesh_lint_using_subcommand
    set -l cmd (__fish_mesh_lint_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -s o -l format -d 'Output format' -r -f -a "human\t''
concise\t''
json\t''
sarif\t''
github\t''"
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -s n -l namespace -d 'Namespace for objects without metadata.namespace [default: default]' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l istio-version -d 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l mesh-config -d 'MeshConfig YAML (what the `istio` ConfigMap\'s `mesh` key holds)' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l native-sidecars -d 'istiod\'s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio\'s for the version]' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l cluster-domain -d 'Cluster DNS domain [default: cluster.local]' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l config -d 'Config file [default: nearest .mesh-lint.yaml upwards]' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l select -d 'Rules to run: codes, prefixes (MESH1) or names, comma-separated' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l ignore -d 'Rules not to run: codes, prefixes or names, comma-separated' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l fail-on -d 'Lowest severity that makes the exit status 1 [default: warning]' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l exclude -d 'Glob of paths not to lint (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l mesh -d 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l complete-inputs -d 'The inputs are the cluster\'s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l fix -d 'Apply safe fixes'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l unsafe-fixes -d 'Also apply unsafe fixes (they change behaviour, as intended)'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l diff -d 'Print the fixes as a diff instead of writing them'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -l statistics -d 'Print counts per rule instead of findings'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -s V -l version -d 'Print version'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "check" -d 'Lint files, directories (recursively) or `-` (stdin). The default command'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "explain" -d 'Print a rule\'s documentation: what it finds, why it matters, examples, fix safety'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "rules" -d 'List every rule'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "listeners" -d 'Show the outbound listeners a sidecar gets, like `istioctl proxy-config listeners`'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "trace" -d 'Follow one connection through a sidecar: iptables, listener, route, cluster'
complete -c mesh-lint -n "__fish_mesh_lint_needs_command" -a "completions" -d 'Print a shell completion script'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -s o -l format -d 'Output format' -r -f -a "human\t''
concise\t''
json\t''
sarif\t''
github\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -s n -l namespace -d 'Namespace for objects without metadata.namespace [default: default]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l istio-version -d 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l mesh-config -d 'MeshConfig YAML (what the `istio` ConfigMap\'s `mesh` key holds)' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l native-sidecars -d 'istiod\'s ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio\'s for the version]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l cluster-domain -d 'Cluster DNS domain [default: cluster.local]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l config -d 'Config file [default: nearest .mesh-lint.yaml upwards]' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l select -d 'Rules to run: codes, prefixes (MESH1) or names, comma-separated' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l ignore -d 'Rules not to run: codes, prefixes or names, comma-separated' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l fail-on -d 'Lowest severity that makes the exit status 1 [default: warning]' -r -f -a "error\t''
warning\t''
info\t''
never\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l exclude -d 'Glob of paths not to lint (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l mesh -d 'Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l complete-inputs -d 'The inputs are the cluster\'s whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l fix -d 'Apply safe fixes'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l unsafe-fixes -d 'Also apply unsafe fixes (they change behaviour, as intended)'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l diff -d 'Print the fixes as a diff instead of writing them'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -l statistics -d 'Print counts per rule instead of findings'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand check" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand explain" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand rules" -s o -l format -r -f -a "table\t''
markdown\t''
json\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand rules" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l istio-version -d 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l mesh-config -d 'MeshConfig YAML (what the `istio` ConfigMap\'s `mesh` key holds)' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l cluster-domain -d 'Cluster DNS domain [default: cluster.local]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l config -d 'Config file [default: nearest .mesh-lint.yaml upwards]' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l exclude -d 'Glob of paths not to read (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l namespace -d 'Namespace of the sidecar (required unless --graph)' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l workload -d 'The workload (Deployment, StatefulSet, Pod, ...) whose own Sidecar applies' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l port -d 'Only listeners on this port' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -l graph -d 'Draw which namespaces get which wildcard listeners instead' -r -f -a "dot\t''
mermaid\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand listeners" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l istio-version -d 'Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l mesh-config -d 'MeshConfig YAML (what the `istio` ConfigMap\'s `mesh` key holds)' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l cluster-domain -d 'Cluster DNS domain [default: cluster.local]' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l config -d 'Config file [default: nearest .mesh-lint.yaml upwards]' -r -F
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l exclude -d 'Glob of paths not to read (repeatable)' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l from -d 'The client: NAMESPACE or NAMESPACE/WORKLOAD' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l to -d 'The destination: HOST:PORT, pod:NS/NAME:PORT or IP:PORT' -r
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -s o -l format -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -l color -d 'When to use colour (NO_COLOR is honoured)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand trace" -s h -l help -d 'Print help'
complete -c mesh-lint -n "__fish_mesh_lint_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
