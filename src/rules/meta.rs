use crate::diagnostic::Severity;
use serde::Serialize;

/// How often a rule can offer a fix, and of what kind (see `rules.md`: safe/unsafe/display).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    None,
    /// Always offers a fix of the given kind.
    Always,
    /// Offers a fix only in some cases.
    Sometimes,
}

/// Everything known about a rule without running it. `explain`, `rules`, SARIF rule metadata
/// and the README table all come from here.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    /// `input`, `ports`, `scoping`, `hosts` or `lifecycle`.
    pub area: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// The kinds of fix offered as written in the catalogue, e.g. `unsafe/display`; empty if none.
    pub fix_kinds: &'static str,
    /// What a finding is about, which decides how copies of one object are treated.
    #[serde(skip)]
    pub subject: Subject,
    /// The `istioctl analyze` codes (`IST0101`) whose problem this rule reports, wholly or in
    /// part; `galley.istio.io/analyze-suppress` with one of them silences the rule too.
    pub istioctl: &'static [&'static str],
    /// Runs only when a `--select` (or the config's `select`) names it by code or name, not
    /// by a prefix or `ALL`: for checks whose findings are facts worth asking for rather
    /// than problems (istioctl likewise leaves its alpha-annotation analyzer out of
    /// `analyze`).
    pub opt_in: bool,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Markdown: What it does / Why is this bad? / Example / Use instead / Fix safety / References.
    pub docs: &'static str,
}

/// What a rule's findings are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The object itself (its own fields, or how Istio treats it): reported on every copy of an
    /// object defined more than once, since each file needs the fix.
    Object,
    /// Objects related to each other: an object that a later copy replaces takes no part, since
    /// it would not exist after `kubectl apply` of all the inputs.
    Mesh,
}

impl RuleMeta {
    /// The rule's page in the repository, generated from `docs` (`docs/rules/`); `mesh-lint
    /// explain` prints the same text offline.
    pub fn url(&self) -> String {
        format!("{DOCS_BASE}{}", self.page_file())
    }

    /// The page's file name under `docs/rules/`: `MESH101-port-name-without-protocol.md`, the
    /// same `<code>-<name>` as the rule's fixture folder.
    pub fn page_file(&self) -> String {
        format!("{}-{}.md", self.code, self.name)
    }
}

/// Where the rule pages are published: the `docs/rules/` folder of the default branch.
pub const DOCS_BASE: &str = "https://github.com/mesh-lint/mesh-lint/blob/main/docs/rules/";

impl RuleMeta {
    /// The documentation with the one space that `///` leaves at the start of each line removed.
    pub fn docs_markdown(&self) -> String {
        self.docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }

    /// The `## ` section headings of the documentation, in order.
    pub fn doc_sections(&self) -> Vec<String> {
        self.docs_markdown()
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(str::to_owned)
            .collect()
    }
}
