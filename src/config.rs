//! `.mesh-lint.yaml`: found from the current directory upwards, or named with `--config`.
//! Unknown keys are an error naming the key and its position, so a typo never silently
//! disables a setting.

use crate::model::injection::{Assumption, InjectionSettings};
use mesh_lint_yaml::{parse_stream, Budget, Limits, LineIndex};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAMES: [&str; 2] = [".mesh-lint.yaml", ".mesh-lint.yml"];

/// The config file's contents. Every key is optional; flags override them.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run: codes, prefixes (`MESH1`), names or `ALL`.
    pub select: Option<Vec<String>>,
    /// Rules not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Severity per rule code or name: `error`, `warning` or `info`.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    /// Rules to ignore per path glob, e.g. `"charts/**": [MESH101]`.
    #[serde(default)]
    pub per_path_ignores: BTreeMap<String, Vec<String>>,
    /// Globs of paths not to lint (added to `--exclude`).
    #[serde(default)]
    pub exclude: Vec<String>,
    pub istio_version: Option<String>,
    /// MeshConfig YAML file, relative to the config file.
    pub mesh_config: Option<PathBuf>,
    pub cluster_domain: Option<String>,
    /// Namespace for objects without one (like `-n`).
    pub namespace: Option<String>,
    pub fail_on: Option<String>,
    /// istiod's `ENABLE_EXTERNAL_NAME_ALIAS` (Istio 1.20–1.23).
    pub external_name_alias: Option<bool>,
    /// istiod's `ENABLE_NATIVE_SIDECARS`: `true`, `false` or `auto` (booleans unquoted too).
    pub native_sidecars: Option<StringOrBool>,
    /// Injection assumptions for namespaces whose labels are not in the inputs.
    pub injection: Option<InjectionConfig>,
}

/// What to assume about namespaces whose Namespace object (and so its labels) is not among
/// the inputs. Namespace objects in the inputs always win.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InjectionConfig {
    /// `sidecar` (the built-in assumption), `ambient` or `none`.
    pub default: Option<Assumption>,
    /// Per-namespace assumption, same values.
    #[serde(default)]
    pub namespaces: BTreeMap<String, Assumption>,
}

impl InjectionConfig {
    pub fn settings(&self) -> InjectionSettings {
        InjectionSettings {
            default: self.default,
            namespaces: self.namespaces.clone(),
        }
    }
}

/// A value written either as a string or as a YAML boolean.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum StringOrBool {
    Bool(bool),
    String(String),
}

impl StringOrBool {
    pub fn as_string(&self) -> String {
        match self {
            StringOrBool::Bool(b) => b.to_string(),
            StringOrBool::String(s) => s.clone(),
        }
    }
}

/// A loaded config file and where it lives (relative paths in it are relative to `dir`).
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub file: ConfigFile,
}

/// The nearest config file from `start` upwards.
pub fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .flat_map(|dir| FILE_NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file `{}`: {e}", path.display()))?;
    let file = parse(&text).map_err(|(offset, msg)| {
        let (line, col) = LineIndex::new(&text).line_col(&text, offset);
        format!("{}:{line}:{col}: {msg}", path.display())
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Config {
        path: path.to_path_buf(),
        dir,
        file,
    })
}

/// Parses config text; errors carry the byte offset they refer to.
pub fn parse(text: &str) -> Result<ConfigFile, (u32, String)> {
    let docs = parse_stream(text, &Limits::default());
    let Some(doc) = docs.first() else {
        return Ok(ConfigFile::default());
    };
    if let Some(err) = &doc.error {
        return Err((err.span.start, format!("invalid YAML: {}", err.message)));
    }
    let Some(root) = doc.root().filter(|r| !r.is_null()) else {
        return Ok(ConfigFile::default());
    };
    root.deserialize(&mut Budget::new(100_000)).map_err(|e| {
        let what = if e.path.is_empty() {
            String::new()
        } else {
            format!("`{}`: ", e.path)
        };
        (e.span.start, format!("{what}{}", e.message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let cfg = parse(
            "select: [MESH1]\nignore: [MESH105]\nseverity: {MESH101: error}\nper-path-ignores:\n  \"charts/**\": [MESH101]\n\
             istio-version: \"1.22\"\ncluster-domain: corp.local\nnamespace: apps\nfail-on: error\n\
             injection:\n  default: sidecar\n  namespaces: {legacy: none}\n",
        )
        .unwrap();
        assert_eq!(cfg.select, Some(vec!["MESH1".to_owned()]));
        assert_eq!(
            cfg.severity.get("MESH101").map(String::as_str),
            Some("error")
        );
        assert_eq!(cfg.istio_version.as_deref(), Some("1.22"));
        let injection = cfg.injection.unwrap();
        assert_eq!(injection.default, Some(Assumption::Sidecar));
        assert_eq!(
            injection.namespaces.get("legacy").copied(),
            Some(Assumption::None)
        );
    }

    #[test]
    fn injection_values_are_validated_at_their_position() {
        let text = "injection:\n  namespaces:\n    legacy: disabled\n";
        let (offset, msg) = parse(text).unwrap_err();
        assert!(msg.contains("disabled"), "{msg}");
        assert!(msg.contains("sidecar"), "{msg}");
        assert_eq!(offset as usize, text.find("disabled").unwrap());
        let (_, msg) = parse("injection:\n  default: Sidecar\n").unwrap_err();
        assert!(msg.contains("`injection.default`"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let text = "select: [MESH1]\nselekt: [MESH2]\n";
        let (offset, msg) = parse(text).unwrap_err();
        assert!(msg.contains("selekt"), "{msg}");
        assert_eq!(offset as usize, text.find("selekt").unwrap());
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse("").unwrap(), ConfigFile::default());
        assert_eq!(parse("# nothing\n").unwrap(), ConfigFile::default());
    }
}
