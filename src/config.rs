//! `.mesh-lint.yaml`: found from the current directory upwards, or named with `--config`.
//! Unknown keys are an error naming the key and its position, so a typo never silently
//! disables a setting.

use crate::model::injection::{Assumption, InjectionSettings};
use crate::parse::load::{self, LoadError};
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
    /// Globs of directories that are separate meshes (`envs/*`): the files under each matching
    /// directory are linted on their own, so dev and prod never meet (added to `--mesh`).
    #[serde(default)]
    pub meshes: Vec<String>,
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
    /// The inputs are the cluster's whole desired state (like `--complete-inputs`).
    pub complete_inputs: Option<bool>,
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

/// A loaded config file and where it lives: `path` as named (for messages), `dir` absolute
/// (relative paths in the file are relative to it).
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub file: ConfigFile,
    text: String,
}

impl Config {
    /// `path:line:col` of the key `keys` leads to (or of the nearest key on the way), so an
    /// error about a setting's value points at it.
    pub fn at(&self, keys: &[&str]) -> String {
        let offset = load::key_span(&self.text, keys).map_or(0, |s| s.start);
        load::position(&self.path, &self.text, offset)
    }

    /// `path:line:col` of the value at `keys`, for an error about that value (else of its key).
    pub fn value_at(&self, keys: &[&str]) -> String {
        match load::value_span(&self.text, keys) {
            Some(span) => load::position(&self.path, &self.text, span.start),
            None => self.at(keys),
        }
    }
}

/// The nearest config file from `start` upwards.
pub fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .flat_map(|dir| FILE_NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Reads and parses the config file at `path`. Relative paths in it are resolved against its
/// directory, made absolute so they hold wherever mesh-lint runs from.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config file `{}`: {e}", path.display()))?;
    let file = parse(&text).map_err(|e| e.located(path, &text))?;
    let dir = std::path::absolute(path)
        .map_err(|e| format!("cannot resolve config file `{}`: {e}", path.display()))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(Config {
        path: path.to_path_buf(),
        dir,
        file,
        text,
    })
}

/// Parses config text; errors carry the byte offset they refer to.
pub fn parse(text: &str) -> Result<ConfigFile, LoadError> {
    load::with_document(text, |root| match root {
        None => Ok(ConfigFile::default()),
        Some(root) => load::deserialize(root),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let cfg = parse(
            "select: [MESH1]\nignore: [MESH105]\nseverity: {MESH101: error}\nper-path-ignores:\n  \"charts/**\": [MESH101]\nmeshes: [\"envs/*\"]\n\
             istio-version: \"1.22\"\ncluster-domain: corp.local\nnamespace: apps\nfail-on: error\n\
             complete-inputs: true\ninjection:\n  default: sidecar\n  namespaces: {legacy: none}\n",
        )
        .unwrap();
        assert_eq!(cfg.select, Some(vec!["MESH1".to_owned()]));
        assert_eq!(
            cfg.severity.get("MESH101").map(String::as_str),
            Some("error")
        );
        assert_eq!(cfg.istio_version.as_deref(), Some("1.22"));
        assert_eq!(cfg.meshes, ["envs/*"]);
        assert_eq!(cfg.complete_inputs, Some(true));
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
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("disabled"), "{err:?}");
        assert!(err.message.contains("sidecar"), "{err:?}");
        assert_eq!(err.offset as usize, text.find("disabled").unwrap());
        let err = parse("injection:\n  default: Sidecar\n").unwrap_err();
        assert!(err.message.contains("`injection.default`"), "{err:?}");
    }

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let text = "select: [MESH1]\nselekt: [MESH2]\n";
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("selekt"), "{err:?}");
        assert_eq!(err.offset as usize, text.find("selekt").unwrap());
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(parse("").unwrap(), ConfigFile::default());
        assert_eq!(parse("# nothing\n").unwrap(), ConfigFile::default());
    }
}
