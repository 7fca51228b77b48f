//! The lint pipeline: parse every file (in parallel), build the mesh index once, detect context
//! from the inputs, run the selected rules (in parallel), then apply suppressions, severity
//! overrides and per-path ignores, and sort.

mod detect;
pub use detect::parse_mesh_config_text;
mod suppress;

use crate::diagnostic::Diagnostic;
use crate::model::{LintContext, MeshIndex};
use crate::parse::{parse_file, ParsedFile};
use crate::rules::{self, Checker, ModelStats, RuleSelection, Selector};
use crate::source::{FileId, Files};
use globset::GlobMatcher;
use mesh_lint_yaml::Limits;
use rayon::prelude::*;

/// Settings that stay the same for every file of a run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub context: LintContext,
    pub selection: RuleSelection,
    pub limits: Limits,
    /// Rules ignored for files whose display name matches the glob.
    pub per_path_ignores: Vec<(GlobMatcher, Vec<Selector>)>,
}

#[derive(Debug, Default)]
pub struct LintResult {
    pub diagnostics: Vec<Diagnostic>,
    /// Kubernetes objects found (list items counted one by one).
    pub objects: usize,
    /// Files with a document that did not parse; `--fix` leaves them alone.
    pub blocked: Vec<FileId>,
    /// The context the rules ran with, after detection from the inputs.
    pub context: LintContext,
    /// The models the selected rules asked for, with their sizes.
    pub models: ModelStats,
}

pub fn lint(files: &Files, opts: &LintOptions) -> LintResult {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(id, file)| parse_file(id, file, &opts.limits))
        .collect();
    let blocked = parsed
        .iter()
        .filter(|p| p.has_errors())
        .map(|p| p.file)
        .collect();
    let mut context = opts.context.clone();
    let index = MeshIndex::build(&parsed, &context, &opts.limits);
    detect::context_from_inputs(&index, &mut context);
    let ck = Checker::new(files, &parsed, &index, &context);
    let mut diagnostics: Vec<Diagnostic> = rules::all()
        .par_iter()
        .filter(|rule| opts.selection.enabled(rule.meta()))
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(&ck, &mut out);
            out
        })
        .collect();
    let models = ck.stats();
    drop(ck);
    diagnostics.retain(|d| !suppress::is_suppressed(d, &index) && !path_ignored(d, files, opts));
    for d in &mut diagnostics {
        if let Some(meta) = rules::find(d.code) {
            // A rule may escalate one finding (MESH101 on server-first ports); an override
            // from the config replaces whatever the rule chose.
            if let Some(&sev) = opts.selection.severity.get(meta.code) {
                d.severity = sev;
            }
        }
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
    LintResult {
        diagnostics,
        objects: index.objects.len(),
        blocked,
        context,
        models,
    }
}

fn path_ignored(d: &Diagnostic, files: &Files, opts: &LintOptions) -> bool {
    if opts.per_path_ignores.is_empty() {
        return false;
    }
    let Some(meta) = rules::find(d.code) else {
        return false;
    };
    let name = &files.get(d.primary.file).name;
    opts.per_path_ignores
        .iter()
        .any(|(glob, sels)| glob.is_match(name) && sels.iter().any(|s| s.matches(meta)))
}
