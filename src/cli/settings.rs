//! Flags and the config file merged into the settings of one run. Flags win over the config
//! file; the config file wins over the defaults.

use super::args::{CheckArgs, FailOn};
use super::dns;
use crate::config;
use crate::diagnostic::Severity;
use crate::lint::{LintOptions, MeshGlob};
use crate::model::{IstioVersion, NativeSidecars, Origin};
use crate::parse::load::{self, LoadError};
use crate::rules::{self, RuleSelection, Selector};
use crate::source::WalkOptions;
use clap::ValueEnum;
use globset::Glob;
use std::path::Path;

pub struct Settings {
    pub lint: LintOptions,
    pub walk: WalkOptions,
    pub fail_on: FailOn,
}

pub fn resolve(args: &CheckArgs) -> Result<Settings, String> {
    let config = match &args.config {
        Some(path) => Some(config::load(path)?),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            // Named relative to the working directory in messages when it lies there.
            config::find_upwards(&cwd)
                .map(|p| config::load(p.strip_prefix(&cwd).unwrap_or(&p)))
                .transpose()?
        }
    };
    let file = config.as_ref().map(|c| c.file.clone()).unwrap_or_default();
    // An error names the config file, line and column of the key, or of the value when the
    // value is what is wrong.
    let at = |keys: &[&str]| config.as_ref().map_or_else(String::new, |c| c.at(keys));
    let value_at = |keys: &[&str]| {
        config
            .as_ref()
            .map_or_else(String::new, |c| c.value_at(keys))
    };
    let metas = rules::metas();

    let mut lint = LintOptions::default();
    let select = match (args.select.is_empty(), &file.select) {
        (false, _) => Some(Selector::parse_list(&args.select, &metas)?),
        (true, Some(list)) => Some(
            Selector::parse_list(list, &metas)
                .map_err(|e| format!("{}: select: {e}", at(&["select"])))?,
        ),
        (true, None) => None,
    };
    let mut ignore = Selector::parse_list(&file.ignore, &metas)
        .map_err(|e| format!("{}: ignore: {e}", at(&["ignore"])))?;
    ignore.extend(Selector::parse_list(&args.ignore, &metas)?);
    // Only an entry naming MESH001 itself (not a prefix like `MESH0` or `ALL`) says the user
    // meant to silence it, and deserves to hear that it cannot be.
    if let Some(meta) = crate::rules::find(crate::rules::ALWAYS_ON) {
        if ignore.iter().any(|s| s.names(meta)) {
            eprintln!(
                "mesh-lint: warning: {} ({}) cannot be ignored: a document that does not parse was not linted, so it is always reported",
                meta.code, meta.name
            );
        }
    }
    lint.selection = RuleSelection {
        select,
        ignore,
        severity: severities(&file.severity, &at)?,
    };
    if let Some(config) = &config {
        lint.per_path_ignores.dir = config.dir.clone();
    }
    for (glob, codes) in &file.per_path_ignores {
        let key = at(&["per-path-ignores", glob]);
        let matcher = Glob::new(glob)
            .map_err(|e| format!("{key}: per-path-ignores: {e}"))?
            .compile_matcher();
        let selectors = Selector::parse_list(codes, &metas)
            .map_err(|e| format!("{key}: per-path-ignores: {e}"))?;
        lint.per_path_ignores.globs.push((matcher, selectors));
    }

    // Globs in the config file are relative to its directory, `--mesh` globs to the current one.
    let cwd = std::env::current_dir().unwrap_or_default();
    let config_dir = config.as_ref().map(|c| cwd.join(&c.dir));
    let config_globs = file.meshes.iter().map(|g| (g, config_dir.clone()));
    for (glob, base) in config_globs.chain(args.meshes.iter().map(|g| (g, None))) {
        let matcher = Glob::new(glob.trim_end_matches('/'))
            .map_err(|e| format!("meshes: {e}"))?
            .compile_matcher();
        let base = base.unwrap_or_else(|| cwd.clone());
        lint.meshes.push(MeshGlob {
            matcher,
            base: std::fs::canonicalize(&base).unwrap_or(base),
        });
    }

    let cx = &mut lint.context;
    if let Some(v) = &args.istio_version {
        cx.istio_version = IstioVersion::parse(v)
            .ok_or_else(|| format!("--istio-version `{v}` is not a version like 1.22"))?;
        cx.istio_version_origin = Origin::Flag;
    } else if let Some(v) = &file.istio_version {
        cx.istio_version = IstioVersion::parse(v).ok_or_else(|| {
            format!(
                "{}: istio-version `{v}` is not a version like 1.22",
                value_at(&["istio-version"])
            )
        })?;
        cx.istio_version_origin = Origin::Config;
    }
    let mesh_config = match (&args.mesh_config, &file.mesh_config, &config) {
        (Some(p), _, _) => Some((p.clone(), Origin::Flag)),
        (None, Some(p), Some(c)) => Some((c.dir.join(p), Origin::Config)),
        _ => None,
    };
    if let Some((path, origin)) = mesh_config {
        cx.mesh_config = load_mesh_config(&path)?;
        cx.mesh_config_origin = origin;
    }
    if let Some(d) = &args.cluster_domain {
        cx.cluster_domain = dns::check_domain(d)
            .map_err(|why| format!("--cluster-domain `{d}` is not a DNS domain: it {why}"))?;
        cx.cluster_domain_origin = Origin::Flag;
    } else if let Some(d) = &file.cluster_domain {
        cx.cluster_domain = dns::check_domain(d).map_err(|why| {
            format!(
                "{}: cluster-domain `{d}` is not a DNS domain: it {why}",
                value_at(&["cluster-domain"])
            )
        })?;
        cx.cluster_domain_origin = Origin::Config;
    }
    if let Some(ns) = &args.namespace {
        dns::check_label(ns)
            .map_err(|why| format!("--namespace `{ns}` is not a namespace name: it {why}"))?;
        cx.default_namespace = ns.clone();
        cx.default_namespace_origin = Origin::Flag;
    } else if let Some(ns) = &file.namespace {
        dns::check_label(ns).map_err(|why| {
            format!(
                "{}: namespace `{ns}` is not a namespace name: it {why}",
                value_at(&["namespace"])
            )
        })?;
        cx.default_namespace = ns.clone();
        cx.default_namespace_origin = Origin::Config;
    }
    cx.external_name_alias = file.external_name_alias;
    let native = |raw: &str, what: &str| {
        NativeSidecars::parse(raw)
            .ok_or_else(|| format!("{what} `{raw}` is not true, false or auto"))
    };
    if let Some(v) = &args.native_sidecars {
        cx.native_sidecars = Some(native(v, "--native-sidecars")?);
        cx.native_sidecars_origin = Origin::Flag;
    } else if let Some(v) = &file.native_sidecars {
        cx.native_sidecars = Some(native(&v.as_string(), "config: native-sidecars")?);
        cx.native_sidecars_origin = Origin::Config;
    }
    cx.complete_inputs = args.complete_inputs || file.complete_inputs.unwrap_or(false);
    if let Some(injection) = &file.injection {
        cx.injection = injection.settings();
    }

    let fail_on = match (args.fail_on, file.fail_on.as_deref()) {
        (Some(f), _) => f,
        // The same parser as the flag's, so the two accept the same words.
        (None, Some(raw)) => FailOn::from_str(raw, true).map_err(|_| {
            format!(
                "{}: fail-on `{raw}` is not one of: {}",
                value_at(&["fail-on"]),
                possible_values::<FailOn>()
            )
        })?,
        (None, None) => FailOn::Warning,
    };
    Ok(Settings {
        lint,
        walk: WalkOptions {
            excludes: args.exclude.clone(),
            config_excludes: config
                .as_ref()
                .filter(|_| !file.exclude.is_empty())
                .map(|c| (c.dir.clone(), file.exclude.clone())),
            ..WalkOptions::default()
        },
        fail_on,
    })
}

/// `a, b or c`: the values clap accepts for `T`.
fn possible_values<T: ValueEnum>() -> String {
    let names: Vec<String> = T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value())
        .map(|v| v.get_name().to_owned())
        .collect();
    names.join(", ")
}

fn severities(
    raw: &std::collections::BTreeMap<String, String>,
    at: &dyn Fn(&[&str]) -> String,
) -> Result<std::collections::HashMap<&'static str, Severity>, String> {
    raw.iter()
        .map(|(rule, sev)| {
            let key = || at(&["severity", rule]);
            let meta = rules::find(rule)
                .ok_or_else(|| format!("{}: severity: {}", key(), rules::not_a_rule(rule)))?;
            if meta.code == rules::ALWAYS_ON {
                return Err(format!(
                    "{}: severity: {} ({}) is always an error: a file that does not parse is not linted at all",
                    key(),
                    meta.code,
                    meta.name
                ));
            }
            let sev = Severity::parse(sev).ok_or_else(|| {
                format!(
                    "{}: severity of {rule}: `{sev}` is not error, warning or info",
                    key()
                )
            })?;
            Ok((meta.code, sev))
        })
        .collect()
}

/// A MeshConfig file: the MeshConfig itself, or an `istio` ConfigMap holding it under `mesh`.
/// Any YAML or shape error is a usage error at its position: linting with a MeshConfig
/// silently dropped would judge exportTo defaults and the root namespace wrongly.
fn load_mesh_config(path: &Path) -> Result<crate::model::MeshConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read mesh config `{}`: {e}", path.display()))?;
    let read = |root: Option<mesh_lint_yaml::Node<'_>>| {
        let Some(root) = root else {
            return Ok(Default::default());
        };
        let Some(embedded) = root.at_keys("data.mesh") else {
            return load::deserialize(root)
                .map_err(|e| LoadError::new(e.offset, format!("not a MeshConfig: {}", e.message)));
        };
        let at = embedded.span().start;
        let Some(inner) = embedded.as_str() else {
            return Err(LoadError::new(
                at,
                "data.mesh is not a string holding a MeshConfig",
            ));
        };
        // Offsets inside the embedded text do not map back to the file (block scalar
        // indentation), so the error points at `data.mesh` and names the line inside it.
        load::with_document(inner, |r| {
            r.map_or(Ok(Default::default()), load::deserialize)
        })
        .map_err(|e| {
            let (line, col) = mesh_lint_yaml::LineIndex::new(inner).line_col(inner, e.offset);
            LoadError::new(
                at,
                format!(
                    "data.mesh, line {line} column {col} of its text: {}",
                    e.message
                ),
            )
        })
    };
    load::with_document(&text, read).map_err(|e| e.located(path, &text))
}

/// Whether a finding of `severity` makes the exit status 1.
pub fn fails(fail_on: FailOn, severity: Severity) -> bool {
    match fail_on {
        FailOn::Never => false,
        FailOn::Info => true,
        FailOn::Warning => severity >= Severity::Warning,
        FailOn::Error => severity >= Severity::Error,
    }
}
