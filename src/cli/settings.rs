//! Flags and the config file merged into the settings of one run. Flags win over the config
//! file; the config file wins over the defaults.

use super::args::{CheckArgs, FailOn};
use crate::config;
use crate::diagnostic::Severity;
use crate::lint::LintOptions;
use crate::model::{IstioVersion, NativeSidecars, Origin};
use crate::rules::{self, RuleSelection, Selector};
use crate::source::WalkOptions;
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
            config::find_upwards(&cwd)
                .map(|p| config::load(&p))
                .transpose()?
        }
    };
    let file = config.as_ref().map(|c| c.file.clone()).unwrap_or_default();
    let metas = rules::metas();

    let mut lint = LintOptions::default();
    let select_raw = if args.select.is_empty() {
        file.select.clone()
    } else {
        Some(args.select.clone())
    };
    lint.selection = RuleSelection {
        select: select_raw
            .map(|s| Selector::parse_list(&s, &metas))
            .transpose()?,
        ignore: Selector::parse_list(&[file.ignore.clone(), args.ignore.clone()].concat(), &metas)?,
        severity: severities(&file.severity)?,
    };
    for (glob, codes) in &file.per_path_ignores {
        let matcher = Glob::new(glob)
            .map_err(|e| format!("config: per-path-ignores: {e}"))?
            .compile_matcher();
        lint.per_path_ignores
            .push((matcher, Selector::parse_list(codes, &metas)?));
    }

    let cx = &mut lint.context;
    if let Some(v) = &args.istio_version {
        cx.istio_version = IstioVersion::parse(v)
            .ok_or_else(|| format!("--istio-version `{v}` is not a version like 1.22"))?;
        cx.istio_version_origin = Origin::Flag;
    } else if let Some(v) = &file.istio_version {
        cx.istio_version = IstioVersion::parse(v)
            .ok_or_else(|| format!("config: istio-version `{v}` is not a version like 1.22"))?;
        cx.istio_version_origin = Origin::Config;
    }
    let mesh_config = match (&args.mesh_config, &file.mesh_config, &config) {
        (Some(p), _, _) => Some(p.clone()),
        (None, Some(p), Some(c)) => Some(c.dir.join(p)),
        _ => None,
    };
    if let Some(path) = mesh_config {
        cx.mesh_config = load_mesh_config(&path)?;
    }
    if let Some(d) = &args.cluster_domain {
        cx.cluster_domain = d.trim_matches('.').to_owned();
        cx.cluster_domain_origin = Origin::Flag;
    } else if let Some(d) = &file.cluster_domain {
        cx.cluster_domain = d.trim_matches('.').to_owned();
        cx.cluster_domain_origin = Origin::Config;
    }
    if let Some(ns) = &args.namespace {
        cx.default_namespace = ns.clone();
        cx.default_namespace_origin = Origin::Flag;
    } else if let Some(ns) = &file.namespace {
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
    if let Some(injection) = &file.injection {
        cx.injection = injection.settings();
    }

    let fail_on = match (args.fail_on, file.fail_on.as_deref()) {
        (Some(f), _) => f,
        (None, Some(raw)) => parse_fail_on(raw)?,
        (None, None) => FailOn::Warning,
    };
    let excludes = [file.exclude.clone(), args.exclude.clone()].concat();
    Ok(Settings {
        lint,
        walk: WalkOptions { excludes },
        fail_on,
    })
}

fn severities(
    raw: &std::collections::BTreeMap<String, String>,
) -> Result<std::collections::HashMap<&'static str, Severity>, String> {
    raw.iter()
        .map(|(rule, sev)| {
            let meta = rules::find(rule)
                .ok_or_else(|| format!("config: severity: `{rule}` is not a rule"))?;
            let sev = Severity::parse(sev).ok_or_else(|| {
                format!("config: severity of {rule}: `{sev}` is not error, warning or info")
            })?;
            Ok((meta.code, sev))
        })
        .collect()
}

fn parse_fail_on(raw: &str) -> Result<FailOn, String> {
    match raw {
        "error" => Ok(FailOn::Error),
        "warning" => Ok(FailOn::Warning),
        "info" => Ok(FailOn::Info),
        "never" => Ok(FailOn::Never),
        other => Err(format!(
            "config: fail-on `{other}` is not error, warning, info or never"
        )),
    }
}

/// A MeshConfig file: the MeshConfig itself, or an `istio` ConfigMap holding it under `mesh`.
fn load_mesh_config(path: &Path) -> Result<crate::model::MeshConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read mesh config `{}`: {e}", path.display()))?;
    let docs = mesh_lint_yaml::parse_stream(&text, &mesh_lint_yaml::Limits::default());
    let root = docs.first().and_then(|d| d.root());
    if let Some(embedded) = root
        .and_then(|r| r.at_keys("data.mesh"))
        .and_then(|m| m.as_str())
    {
        return crate::lint::parse_mesh_config_text(embedded)
            .ok_or_else(|| format!("`{}`: data.mesh is not a MeshConfig", path.display()));
    }
    let Some(root) = root else {
        return Ok(Default::default());
    };
    root.deserialize(&mut mesh_lint_yaml::Budget::new(100_000))
        .map_err(|e| {
            let (line, col) = mesh_lint_yaml::LineIndex::new(&text).line_col(&text, e.span.start);
            format!("{}:{line}:{col}: not a MeshConfig: {e}", path.display())
        })
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
