//! What a GraphQL request may cost, judged from its text before anything runs:
//! depth, aliases, root fields (and mutations: one change per request), and a
//! cost in which a list field's `first` multiplies what it selects. A refused
//! request is a 400 that names the limit it passed. Introspection (`__schema`,
//! `__type`) is refused where it is off.
use std::collections::HashSet;

use async_graphql_parser::Positioned;
use async_graphql_parser::types::{
    ExecutableDocument, Field, FragmentDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql_value::{Name, Value};

use crate::error::ApiError;

/// The limits of one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How deep selections may nest (a root field is depth 1).
    pub max_depth: usize,
    /// How many aliased fields a request may hold.
    pub max_aliases: usize,
    /// How many fields a query operation may select at its root.
    pub max_root_fields: usize,
    /// How many fields a mutation may select at its root (each is a change).
    pub max_mutations: usize,
    /// The most a request may cost: each field 1, a list field `first` times what it selects.
    pub max_cost: u64,
    /// `first` when a list field does not say.
    pub default_page: u64,
    /// The list fields (paged with `first`) of the schema.
    pub paged: &'static [&'static str],
    /// Whether `__schema` and `__type` may be asked.
    pub introspection: bool,
}

impl Limits {
    /// The platform's limits for a schema whose list fields are `paged`;
    /// introspection only where `introspection` is true (`Environment=local`).
    pub const fn standard(paged: &'static [&'static str], introspection: bool) -> Self {
        Self {
            max_depth: 8,
            max_aliases: 10,
            max_root_fields: 5,
            max_mutations: 1,
            max_cost: 5_000,
            default_page: 20,
            paged,
            introspection,
        }
    }
}

fn refused(message: String) -> ApiError {
    ApiError::query_refused(message)
}

/// Judges `query`; `variable` answers a variable's value as a number, if it is one.
/// A query that does not parse passes (GraphQL itself answers its syntax error).
pub fn check(limits: &Limits, query: &str, variable: &dyn Fn(&str) -> Option<u64>) -> Result<(), ApiError> {
    let Ok(document) = async_graphql_parser::parse_query(query) else { return Ok(()) };
    let mut walk = Walk { limits, document: &document, variable, aliases: 0, spreads: Vec::new() };
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        let roots = walk.root_fields(&operation.selection_set.node, &mut HashSet::new())?;
        let (max, what) = match operation.ty {
            OperationType::Mutation => (limits.max_mutations, "mutations"),
            _ => (limits.max_root_fields, "root fields"),
        };
        if roots > max {
            return Err(refused(format!("the request holds {roots} {what}; the limit is {max}")));
        }
        let cost = walk.cost(&operation.selection_set.node, 1)?;
        if cost > limits.max_cost {
            return Err(refused(format!(
                "the query costs {cost} (each field 1, a list `first` times what it selects); the limit is {}",
                limits.max_cost
            )));
        }
    }
    Ok(())
}

/// The fragment `name` of `document`.
fn fragment<'d>(document: &'d ExecutableDocument, name: &Name) -> Result<&'d Positioned<FragmentDefinition>, ApiError> {
    document.fragments.get(name).ok_or_else(|| ApiError::bad_request(format!("unknown fragment `{name}`")))
}

struct Walk<'a> {
    limits: &'a Limits,
    document: &'a ExecutableDocument,
    variable: &'a dyn Fn(&str) -> Option<u64>,
    aliases: usize,
    /// The fragments being expanded, to refuse a fragment that spreads itself.
    spreads: Vec<Name>,
}

impl Walk<'_> {
    /// The fields selected at the root, through fragments.
    fn root_fields(&self, set: &SelectionSet, seen: &mut HashSet<Name>) -> Result<usize, ApiError> {
        let mut count = 0;
        for item in &set.items {
            count += match &item.node {
                Selection::Field(f) if f.node.name.node == "__typename" => 0,
                Selection::Field(_) => 1,
                Selection::InlineFragment(i) => self.root_fields(&i.node.selection_set.node, seen)?,
                Selection::FragmentSpread(s) => {
                    let name = &s.node.fragment_name.node;
                    if !seen.insert(name.clone()) {
                        return Err(refused(format!("fragment `{name}` is spread into itself")));
                    }
                    let fragment = fragment(self.document, name)?;
                    let n = self.root_fields(&fragment.node.selection_set.node, seen)?;
                    seen.remove(name);
                    n
                }
            };
        }
        Ok(count)
    }

    /// The cost of `set` at `depth`, counting aliases and refusing what passes a limit.
    fn cost(&mut self, set: &SelectionSet, depth: usize) -> Result<u64, ApiError> {
        let limits = self.limits;
        let mut total: u64 = 0;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    if name.starts_with("__") && name != "__typename" && !limits.introspection {
                        return Err(refused(format!(
                            "introspection (`{name}`) is off outside Environment=local; the schema is in docs/"
                        )));
                    }
                    if name.starts_with("__") {
                        // Introspection where it is on is cheap and not a data query.
                        continue;
                    }
                    if depth > limits.max_depth {
                        return Err(refused(format!(
                            "the query nests {depth} deep at `{name}`; the limit is {}",
                            limits.max_depth
                        )));
                    }
                    if field.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > limits.max_aliases {
                            return Err(refused(format!(
                                "the query holds more than {} aliases; the limit is {}",
                                self.aliases - 1,
                                limits.max_aliases
                            )));
                        }
                    }
                    let inner = self.cost(&field.selection_set.node, depth + 1)?;
                    match self.page(field) {
                        Some(first) => 1u64.saturating_add(first.saturating_mul(inner)),
                        None => 1u64.saturating_add(inner),
                    }
                }
                Selection::InlineFragment(i) => self.cost(&i.node.selection_set.node, depth)?,
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.clone();
                    if self.spreads.contains(&name) {
                        return Err(refused(format!("fragment `{name}` is spread into itself")));
                    }
                    let fragment = fragment(self.document, &name)?;
                    self.spreads.push(name);
                    let cost = self.cost(&fragment.node.selection_set.node, depth);
                    self.spreads.pop();
                    cost?
                }
            };
            total = total.saturating_add(cost);
        }
        Ok(total)
    }

    /// A list field's page: its `first` (a number or a variable), or the default
    /// for a paged field that does not say.
    fn page(&self, field: &Field) -> Option<u64> {
        let first = field.arguments.iter().find(|(n, _)| n.node == "first").map(|(_, v)| &v.node);
        match first {
            Some(Value::Number(n)) => Some(n.as_u64().unwrap_or(self.limits.default_page)),
            Some(Value::Variable(v)) => Some((self.variable)(v.as_str()).unwrap_or(self.limits.default_page)),
            Some(_) => Some(self.limits.default_page),
            None if self.limits.paged.contains(&field.name.node.as_str()) => Some(self.limits.default_page),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(query: &str) -> Result<(), String> {
        check(&Limits::standard(&["movers"], false), query, &|v| (v == "n").then_some(100)).map_err(|e| {
            assert_eq!(e.status.as_u16(), 400);
            assert_eq!(e.code, "query_refused");
            e.message
        })
    }

    const PAGE: &str = "movers(first: 100) { edges { node { id name email fromAddress { status normalized { street city } } } } pageInfo { hasNextPage } }";

    #[test]
    fn ordinary_queries_pass() {
        judge(&format!("{{ {PAGE} }}")).unwrap();
        judge("query($n: Int) { movers(first: $n) { edges { cursor } } }").unwrap();
        judge("mutation { createMover(input: {name: \"A\", email: \"a@b.co\"}) { id } }").unwrap();
        judge("{ a: mover(id: \"1\") { id } b: mover(id: \"2\") { ...F } } fragment F on GqlMover { id name }")
            .unwrap();
        judge("not graphql at all {").unwrap();
    }

    #[test]
    fn each_limit_is_named() {
        let aliased: String = (0..300).map(|i| format!("m{i}: movers(first: 100) {{ edges {{ cursor }} }} ")).collect();
        assert!(judge(&format!("{{ {aliased} }}")).unwrap_err().contains("root fields"));
        let aliased: String = (0..11).map(|i| format!("m{i}: name ")).collect();
        assert!(judge(&format!("{{ mover(id: \"1\") {{ {aliased} }} }}")).unwrap_err().contains("aliases"));
        let deep = "{ a { b { c { d { e { f { g { h { i } } } } } } } } }";
        assert!(judge(deep).unwrap_err().contains("nests 9 deep"));
        let costly = "{ movers(first: 100) { edges { node { a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh ii jj kk ll mm nn oo pp qq rr ss tt uu vv ww } } } }";
        assert!(judge(costly).unwrap_err().contains("costs"));
        let nested = "query($n: Int) { movers(first: $n) { edges { node { friends(first: 100) { id } } } } }";
        assert!(judge(nested).unwrap_err().contains("costs"));
        let defaulted = "{ movers { edges { node { friends(first: 100) { id name email phone } } } } }";
        assert!(
            judge(defaulted).unwrap_err().contains("costs 8"),
            "a paged field without `first` pays its default page"
        );
        let twice = "mutation { a: createMover(input: {}) { id } b: createMover(input: {}) { id } }";
        assert!(judge(twice).unwrap_err().contains("2 mutations"));
        assert!(judge("{ __schema { types { name } } }").unwrap_err().contains("introspection"));
        assert!(judge("{ ...F } fragment F on Query { ...F }").unwrap_err().contains("into itself"));
        assert!(
            judge("{ mover(id: \"1\") { ...F } } fragment F on GqlMover { ...G } fragment G on GqlMover { ...F }")
                .unwrap_err()
                .contains("into itself")
        );
    }

    #[test]
    fn introspection_where_it_is_on() {
        let local = Limits::standard(&["movers"], true);
        let full = "{ __schema { types { name fields { name type { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } }";
        check(&local, full, &|_| None).unwrap();
        judge("{ __typename }").unwrap();
    }
}
