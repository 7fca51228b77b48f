//! The lint pipeline: parse every file (in parallel), build the mesh index once, detect context
//! from the inputs, run the selected rules (in parallel, in two phases: those that read the
//! larger models, then the others once those models are dropped), then apply suppressions,
//! severity overrides and per-path ignores, and sort.

mod copies;
mod detect;
mod meshes;
pub use detect::parse_mesh_config_text;
pub use meshes::MeshGlob;
mod suppress;

use crate::crash;
use crate::diagnostic::{Diagnostic, Findings, MAX_RELATED};
use crate::model::{LintContext, MeshIndex};
use crate::parse::{parse_file, ParsedFile};
use crate::rules::{self, Checker, ModelStats, Rule, RuleSelection, Selector};
use crate::source::anchored::relative_to;
use crate::source::{FileId, Files};
use globset::GlobMatcher;
use mesh_lint_yaml::Limits;
use rayon::prelude::*;
use std::path::PathBuf;

/// Settings that stay the same for every file of a run.
#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub context: LintContext,
    pub selection: RuleSelection,
    pub limits: Limits,
    /// The config file's `per-path-ignores`.
    pub per_path_ignores: PathIgnores,
    /// Directories linted as separate meshes (`meshes:` in the config, `--mesh`).
    pub meshes: Vec<MeshGlob>,
}

/// Rules ignored for files whose path relative to `dir` (the config file's directory) matches
/// a glob, so the same files are matched from any working directory.
#[derive(Clone, Debug, Default)]
pub struct PathIgnores {
    pub dir: PathBuf,
    pub globs: Vec<(GlobMatcher, Vec<Selector>)>,
}

#[derive(Debug, Default)]
pub struct LintResult {
    pub diagnostics: Vec<Diagnostic>,
    /// Kubernetes objects found (list items counted one by one).
    pub objects: usize,
    /// Files with a document that did not parse; `--fix` leaves them alone.
    pub blocked: Vec<FileId>,
    /// The models the selected rules asked for, with their sizes.
    pub models: ModelStats,
}

pub fn lint(files: &Files, opts: &LintOptions) -> LintResult {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(id, file)| {
            let _w = crash::working_on(format!("parsing `{}`", file.name));
            crash::debug_trigger(&file.name);
            parse_file(id, file, &opts.limits)
        })
        .collect();
    // Invalid UTF-8 anywhere blocks fixes too: the text holds replacements for those bytes,
    // and writing it back would change them.
    let blocked = parsed
        .iter()
        .filter(|p| p.has_errors() || !files.get(p.file).invalid_utf8.is_empty())
        .map(|p| p.file)
        .collect();
    let mut result = LintResult {
        blocked,
        ..LintResult::default()
    };
    for (i, group) in meshes::split(files, parsed, &opts.meshes)
        .into_iter()
        .enumerate()
    {
        let (per_rule, objects, models) = lint_mesh(files, &group, opts, i);
        // The trees go before the findings move into one list: the two never peak together.
        drop(group);
        result
            .diagnostics
            .reserve(per_rule.iter().map(Findings::len).sum());
        for out in per_rule {
            result.diagnostics.extend(out);
        }
        result.objects += objects;
        result.models.absorb(models);
    }
    sort_and_dedup(&mut result.diagnostics);
    result
}

/// One mesh: the index, context detection and every selected rule over `parsed`, which no
/// other file of the run can see. Returns the findings (one list per rule), the object count
/// and the models built.
fn lint_mesh(
    files: &Files,
    parsed: &[ParsedFile],
    opts: &LintOptions,
    mesh: usize,
) -> (Vec<Findings>, usize, ModelStats) {
    let inputs = match parsed.len() {
        1 => parsed
            .iter()
            .map(|p| format!("`{}`", files.get(p.file).name))
            .collect(),
        n if mesh == 0 => format!("{n} files"),
        n => format!("{n} files (mesh {})", mesh + 1),
    };
    let _w = crash::working_on(format!("building the mesh model of {inputs}"));
    let mut context = opts.context.clone();
    context.patch_files = crate::model::kustomize::patch_files(files, parsed);
    let index = MeshIndex::build(parsed, &context, &opts.limits);
    detect::context_from_inputs(&index, &mut context);
    let mut ck = Checker::new(files, parsed, &index, &context);
    // The rules that read the larger models run first and those models go before the others
    // run: the findings of a big mesh come mostly from the later rules (MESH201, MESH202), and
    // both together were the peak of a run.
    let (early, late): (Vec<&dyn Rule>, Vec<&dyn Rule>) = rules::all()
        .iter()
        .copied()
        .filter(|rule| opts.selection.enabled(rule.meta()))
        .partition(|rule| rule.models().iter().any(|m| !m.kept()));
    let mut per_rule = run_rules(&ck, &early, &inputs);
    let early_models = ck.stats();
    ck.release_models();
    per_rule.extend(run_rules(&ck, &late, &inputs));
    let models = early_models.or(ck.stats());
    drop(ck);
    for out in &mut per_rule {
        out.retain_mut(|d| {
            if !copies::keep(d, &index)
                || suppress::is_suppressed(d, &index)
                || path_ignored(d, files, opts)
            {
                return false;
            }
            finish(d, &index, files, opts);
            true
        });
    }
    (per_rule, index.objects.len(), models)
}

/// Adds to a finding that is kept the notes only the whole run can give, and the severity the
/// config sets.
fn finish(d: &mut Diagnostic, index: &MeshIndex<'_>, files: &Files, opts: &LintOptions) {
    d.notes
        .extend(copies::note(d, index, files).map(Into::into));
    let omitted = d.related.omitted();
    if omitted > 0 {
        d.notes.push(
            format!(
                "{omitted} more related location{} not shown (at most {MAX_RELATED} per finding)",
                if omitted == 1 { " is" } else { "s are" }
            )
            .into(),
        );
    }
    if let Some(meta) = rules::find(d.code) {
        // A rule may escalate one finding (MESH101 on server-first ports); an override from
        // the config replaces whatever the rule chose.
        if let Some(&sev) = opts.selection.severity.get(meta.code) {
            d.severity = sev;
        }
    }
}

/// Runs `rules` in parallel. Each rule's findings stay in their own list (a collect that
/// regrouped them item by item would hold them about twice over at the moment memory peaks);
/// `lint` moves them into one list once this mesh's trees and index are gone.
fn run_rules(ck: &Checker<'_, '_>, rules: &[&dyn Rule], inputs: &str) -> Vec<Findings> {
    rules
        .par_iter()
        .map(|rule| {
            let meta = rule.meta();
            let _w = crash::working_on(format!(
                "running rule {} ({}) on {inputs}",
                meta.code, meta.name
            ));
            let mut out = Findings::default();
            rule.check(ck, &mut out);
            out
        })
        .collect()
}

/// Sorts findings by position and code, and drops exact repeats (one finding reached twice,
/// e.g. through a List item and an alias): same place, code and message. Findings at one place
/// with different messages are all kept.
fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.message == b.message);
}

fn path_ignored(d: &Diagnostic, files: &Files, opts: &LintOptions) -> bool {
    let ignores = &opts.per_path_ignores;
    if ignores.globs.is_empty() {
        return false;
    }
    let Some(meta) = rules::find(d.code) else {
        return false;
    };
    if meta.code == rules::ALWAYS_ON {
        return false;
    }
    let Some(path) = &files.get(d.primary.file).path else {
        return false;
    };
    let Some(relative) = relative_to(&ignores.dir, path) else {
        return false;
    };
    ignores
        .globs
        .iter()
        .any(|(glob, sels)| glob.is_match(&relative) && sels.iter().any(|s| s.matches(meta)))
}

/// Parses `files` as one mesh, builds the index, detects the context from the inputs, and
/// hands `f` the checker whose lazily built models the rules use: the proxy-view commands
/// (`listeners`, `trace`) are queries over the same models, never a second picture of Istio.
/// Returns `f`'s answer and the number of documents that did not parse.
pub fn with_checker<R>(
    files: &Files,
    opts: &LintOptions,
    f: impl FnOnce(&Checker<'_, '_>) -> R,
) -> (R, usize) {
    let parsed: Vec<ParsedFile> = files
        .iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(id, file)| parse_file(id, file, &opts.limits))
        .collect();
    let broken = parsed.iter().filter(|p| p.has_errors()).count();
    let mut context = opts.context.clone();
    context.patch_files = crate::model::kustomize::patch_files(files, &parsed);
    let index = MeshIndex::build(&parsed, &context, &opts.limits);
    detect::context_from_inputs(&index, &mut context);
    let ck = Checker::new(files, &parsed, &index, &context);
    (f(&ck), broken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Label, Severity};
    use mesh_lint_yaml::Span;

    fn d(file: u32, start: u32, code: &'static str, message: &str) -> Diagnostic {
        let at = Label::new(FileId(file), Span::new(start, start + 1), "");
        Diagnostic::new(code, "x", Severity::Warning, message, at)
    }

    fn keys(ds: &[Diagnostic]) -> Vec<(u32, u32, &str, &str)> {
        ds.iter()
            .map(|d| {
                (
                    d.primary.file.0,
                    d.primary.span.start,
                    d.code,
                    d.message.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn repeats_are_dropped_and_distinct_findings_kept_in_order() {
        let mut ds = vec![
            d(1, 0, "MESH101", "a"),
            d(0, 5, "MESH301", "b"),
            d(0, 5, "MESH301", "a"),
            d(0, 5, "MESH301", "b"),
            d(0, 5, "MESH302", "b"),
            d(0, 2, "MESH301", "b"),
            d(1, 0, "MESH101", "a"),
        ];
        sort_and_dedup(&mut ds);
        assert_eq!(
            keys(&ds),
            [
                (0, 2, "MESH301", "b"),
                (0, 5, "MESH301", "a"),
                (0, 5, "MESH301", "b"),
                (0, 5, "MESH302", "b"),
                (1, 0, "MESH101", "a"),
            ]
        );
    }
}
