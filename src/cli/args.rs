use crate::render::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use std::path::PathBuf;

/// Lint Kubernetes and Istio manifests offline: find what breaks mesh traffic before it
/// reaches a cluster.
#[derive(Debug, Parser)]
#[command(
    version,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
#[command(
    after_help = "Without a command, `check` runs. `-` reads manifests from stdin (e.g. `helm template . | mesh-lint -`).\n\
Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the `Check` variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Lint files, directories (recursively) or `-` (stdin). The default command.
    Check(CheckArgs),
    /// Print a rule's documentation: what it finds, why it matters, examples, fix safety.
    Explain {
        /// A rule code (MESH101) or name (port-name-without-protocol).
        rule: String,
    },
    /// List every rule.
    Rules {
        #[arg(short = 'o', long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Show the outbound listeners a sidecar gets, like `istioctl proxy-config listeners`.
    Listeners(ListenersArgs),
    /// Follow one connection through a sidecar: iptables, listener, route, cluster.
    Trace(TraceArgs),
    /// Print a shell completion script.
    ///
    /// The script completes the executable that prints it: `mesh-lint`, or `kubectl-mesh_lint`
    /// when run directly. `kubectl mesh-lint <TAB>` needs no script: kubectl 1.26+ asks the
    /// `kubectl_complete-mesh_lint` executable installed beside the plugin.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout: `auto` colours a terminal unless `NO_COLOR` is set.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Clone, Debug, Default, Args)]
pub struct CheckArgs {
    /// Files, directories or `-` for stdin [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Namespace for objects without metadata.namespace [default: default]
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespace: Option<String>,

    /// Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]
    #[arg(long, value_name = "X.Y")]
    pub istio_version: Option<String>,

    /// MeshConfig YAML (what the `istio` ConfigMap's `mesh` key holds)
    #[arg(long, value_name = "FILE")]
    pub mesh_config: Option<PathBuf>,

    /// istiod's ENABLE_NATIVE_SIDECARS: true, false or auto [default: Istio's for the version]
    #[arg(long, value_name = "MODE")]
    pub native_sidecars: Option<String>,

    /// The inputs are the cluster's whole desired state (a rendered GitOps repository, `kubectl get -A -o yaml`): report selectors and references that match nothing in them
    #[arg(long)]
    pub complete_inputs: bool,

    /// Cluster DNS domain [default: cluster.local]
    #[arg(long, value_name = "D")]
    pub cluster_domain: Option<String>,

    /// Config file [default: nearest .mesh-lint.yaml upwards]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Rules to run: codes, prefixes (MESH1) or names, comma-separated
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Rules not to run: codes, prefixes or names, comma-separated
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Lowest severity that makes the exit status 1 [default: warning]
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Apply safe fixes
    #[arg(long)]
    pub fix: bool,

    /// Also apply unsafe fixes (they change behaviour, as intended)
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the fixes as a diff instead of writing them
    #[arg(long)]
    pub diff: bool,

    /// Glob of paths not to lint (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Glob of directories each linted as a mesh of its own, e.g. `envs/*` (repeatable)
    #[arg(long = "mesh", value_name = "GLOB")]
    pub meshes: Vec<String>,

    /// When to use colour (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print counts per rule instead of findings
    #[arg(long)]
    pub statistics: bool,
}

/// What the proxy-view commands read: the inputs and the context, as for `check`.
#[derive(Clone, Debug, Default, Args)]
pub struct ModelArgs {
    /// Files, directories or `-` for stdin [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Istio minor version whose behaviour to assume, e.g. 1.22 [default: newest stable known]
    #[arg(long, value_name = "X.Y")]
    pub istio_version: Option<String>,

    /// MeshConfig YAML (what the `istio` ConfigMap's `mesh` key holds)
    #[arg(long, value_name = "FILE")]
    pub mesh_config: Option<PathBuf>,

    /// Cluster DNS domain [default: cluster.local]
    #[arg(long, value_name = "D")]
    pub cluster_domain: Option<String>,

    /// Config file [default: nearest .mesh-lint.yaml upwards]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Glob of paths not to read (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

impl ModelArgs {
    /// The same settings `check` would resolve from these flags.
    pub fn as_check(&self) -> CheckArgs {
        CheckArgs {
            paths: self.paths.clone(),
            istio_version: self.istio_version.clone(),
            mesh_config: self.mesh_config.clone(),
            cluster_domain: self.cluster_domain.clone(),
            config: self.config.clone(),
            exclude: self.exclude.clone(),
            ..CheckArgs::default()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ViewFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphKind {
    Dot,
    Mermaid,
}

#[derive(Clone, Debug, Args)]
pub struct ListenersArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// Namespace of the sidecar (required unless --graph)
    #[arg(
        long = "namespace",
        value_name = "NS",
        required_unless_present = "graph"
    )]
    pub namespace: Option<String>,

    /// The workload (Deployment, StatefulSet, Pod, ...) whose own Sidecar applies
    #[arg(long, value_name = "NAME")]
    pub workload: Option<String>,

    /// Only listeners on this port
    #[arg(long, value_name = "N")]
    pub port: Option<i32>,

    /// Output format
    #[arg(short = 'o', long = "format", value_enum, default_value_t = ViewFormat::Table, value_name = "FORMAT")]
    pub format: ViewFormat,

    /// Draw which namespaces get which wildcard listeners instead
    #[arg(long, value_enum, value_name = "KIND")]
    pub graph: Option<GraphKind>,
}

#[derive(Clone, Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// The client: NAMESPACE or NAMESPACE/WORKLOAD
    #[arg(long, value_name = "NS[/WORKLOAD]")]
    pub from: String,

    /// The destination: HOST:PORT, pod:NS/NAME:PORT or IP:PORT
    #[arg(long, value_name = "HOST_OR_IP:PORT")]
    pub to: String,

    /// Output format
    #[arg(short = 'o', long = "format", value_enum, default_value_t = ViewFormat::Table, value_name = "FORMAT")]
    pub format: ViewFormat,

    /// When to use colour (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}
