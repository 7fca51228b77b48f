/// Declares a rule's [`RuleMeta`](crate::rules::RuleMeta) with its doc comment as the
/// documentation, so `explain`, `rules`, SARIF and the README read the text written above the
/// rule (clippy's `declare_lint!` idea).
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            area: $area:literal,
            severity: $sev:ident,
            fix: $fix:ident,
            fix_kinds: $fk:literal,
            subject: $subject:ident,
            istioctl: [$($ist:literal),* $(,)?],
            $(opt_in: $opt:literal,)?
            summary: $summary:literal $(,)?
        };
    ) => {
        $vis static $ident: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            area: $area,
            severity: $crate::diagnostic::Severity::$sev,
            fix: $crate::rules::FixAvailability::$fix,
            fix_kinds: $fk,
            subject: $crate::rules::Subject::$subject,
            istioctl: &[$($ist),*],
            opt_in: false $(|| $opt)?,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}
