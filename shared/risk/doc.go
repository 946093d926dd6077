// Package risk is the pure decision core of wxlend's risk engine (风控引擎,
// spec §3.2): the feature catalogue, rules as data, the scorecard,
// champion/challenger strategies, the decision with its credit limit and
// price, the limit-raise policy and the anti-fraud helpers. It does no I/O
// and reads no clock: the SCF steps fetch data (MySQL, Redis velocity,
// providers), build Features, and call Decide; they store the Decision.
//
// # Features
//
// A fixed catalogue of 200 typed features (Catalogue, declared in
// shared/risk/feature with the Features vector): the named policy,
// anti-fraud, provider and internal-history features plus bureau and
// alternative-data aggregates per window (bureau_inquiries_3m, ...). It is
// append-only. An absent feature reads as its zero value in rules and
// falls in the "missing" bin of the scorecard; the hard-policy inputs are
// Required, so Decide refuses (ErrMissingFeature) rather than let a
// missing blacklist answer pass as "not blacklisted". product_min_age and
// product_max_age are derived by Decide from the product.
//
// # Rules
//
// A RuleSet is an immutable version (draft → active → retired; a change is
// a new version, see CheckTransition, NextDraft) of rules, each an
// expr-lang expression over catalogue features with an action (decline,
// review, flag), a registered reason code and a priority. Compile is the
// save-time gate: it refuses, with every problem listed, anything that
// could fail or run long at decision time. The rule language is a
// whitelisted subset of expr — literals, features, comparisons,
// and/or/not, + - * / % **, ?:, contains/startsWith/endsWith,
// matches 'constant', `x in [constant, ...]`, abs/len/lower/upper — with
// no ranges, predicates (map, filter, ...), calls, member access,
// variables or nil, at most 2000 bytes, 1000 nodes, nesting 64 brackets /
// 256 tree levels. The compiler is shared/risk/ruleexpr: expressions are
// parsed and type-checked by expr against the typed catalogue (a typo
// fails at save time, with a "did you mean") and then compiled to Go
// closures over the typed feature vector. Evaluation therefore has no
// loops and cannot fail; each rule costs a bounded number of steps.
//
// Why closures rather than expr's VM: on the 5000-rule benchmark (about
// 200 features, 2–4 clauses per rule) expr's VM with one program per rule
// and a map environment takes about 0.8 ms per evaluation on the CI
// machine, one program for the whole set about 0.5 ms, the closures about
// 0.2 ms (BenchmarkEvaluate5000Exprs and ...VM in ruleexpr). Semantics are
// expr's: ruleexpr's tests and FuzzCompile run every accepted expression
// on expr's own VM too and require the same answer (int arithmetic wraps,
// / and ** are float, len counts runes, numbers compare across int and
// float).
//
// Compiled sets and models are cached per version (Cache), which also
// refuses a version seen again with different content (ErrEditedInPlace).
//
// # Scorecard
//
// See Model for the score and PD formulas. Reasons are the k largest
// shortfalls against each characteristic's best bin (adverse-action
// method), so a declined borrower gets an explanation (PIPL Art. 24).
// Every reason must be true of the applicant: an absent feature is
// explained by a missing-data reason (its missing bin's S103, else S108
// "some information could not be obtained or verified"), never by the
// feature's own, so a new borrower is not told of late payments with us
// nor an unknown phone tenure called short. CompileModel refuses a model
// that would do otherwise.
//
// # Decision
//
// Decide: any decline hit declines; else any review hit sends to review;
// else the score band decides — the worst band declines with S190 and the
// scorecard reasons, the others approve with the band's limit (the lowest
// approving band starts between 500 and 2000 CNY) and the band's rate
// clamped into [product min, min(product max, cap)]. Limits are money.Fen,
// rates money.BP; only score and PD are floats. LimitRaise implements 提额.
// Every Decision records input, hits, score, contributions, versions,
// digests and arm; Replay re-decides a stored record.
//
// # Champion/challenger
//
// Split assigns each user a bucket SplitBucket(salt, userID) = first 8
// bytes of SHA-256("salt:userID") mod 10000, and arms take consecutive
// bucket ranges by weight; Router decides with the chosen arm's Plan.
package risk
