//! The RAG service's knowledge base: help-center articles of a fictional cloud product, the
//! questions users ask about them, and an in-memory vector index with hybrid scoring.

use std::collections::HashSet;

/// One help-center article.
#[derive(Debug, Clone, Copy)]
pub struct Article {
    /// Stable id, recorded as the retrieved document's id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Text.
    pub text: &'static str,
}

/// The articles the RAG service answers from.
pub const ARTICLES: [Article; 16] = [
    Article {
        id: "kb-billing-invoices",
        title: "Invoices and billing cycles",
        text: "Invoices are issued on the first day of each month for the previous month's usage. Download them from Settings > Billing > Invoices as PDF or CSV.",
    },
    Article {
        id: "kb-billing-refunds",
        title: "Refund policy",
        text: "Annual plans can be refunded within 30 days of purchase. Monthly plans are not refunded, but you can cancel at any time and keep access until the period ends.",
    },
    Article {
        id: "kb-billing-payment-methods",
        title: "Payment methods",
        text: "We accept credit cards, SEPA direct debit and bank transfer for annual plans. Update the payment method under Settings > Billing.",
    },
    Article {
        id: "kb-account-sso",
        title: "Single sign-on with SAML and OIDC",
        text: "Enterprise workspaces can enforce single sign-on through SAML 2.0 or OpenID Connect. Configure the identity provider under Settings > Security > SSO.",
    },
    Article {
        id: "kb-account-2fa",
        title: "Two-factor authentication",
        text: "Turn on two-factor authentication with an authenticator app or a hardware key. Administrators can require it for every member of the workspace.",
    },
    Article {
        id: "kb-account-roles",
        title: "Roles and permissions",
        text: "Workspaces have owner, admin, member and viewer roles. Only owners can delete a workspace or change the billing plan.",
    },
    Article {
        id: "kb-api-keys",
        title: "Creating and rotating API keys",
        text: "Create API keys under Settings > API. Keys can be scoped to read or write and should be rotated every 90 days; old keys keep working for 24 hours after rotation.",
    },
    Article {
        id: "kb-api-rate-limits",
        title: "API rate limits",
        text: "The API allows 600 requests per minute per key. Requests over the limit get HTTP 429 with a Retry-After header; back off and retry after that many seconds.",
    },
    Article {
        id: "kb-api-webhooks",
        title: "Webhooks",
        text: "Webhooks deliver events as signed JSON over HTTPS. Failed deliveries are retried with exponential backoff for up to 24 hours.",
    },
    Article {
        id: "kb-storage-quotas",
        title: "Storage quotas",
        text: "Each plan includes a storage quota: 10 GB on Starter, 1 TB on Team and custom quotas on Enterprise. Uploads fail once the quota is reached.",
    },
    Article {
        id: "kb-storage-backups",
        title: "Backups and restore",
        text: "Workspaces are backed up every night and backups are kept for 35 days. Owners can restore a backup from Settings > Data > Backups.",
    },
    Article {
        id: "kb-deploy-regions",
        title: "Regions and data residency",
        text: "Data is stored in the region chosen at workspace creation: Frankfurt, Virginia or Singapore. Moving a workspace to another region takes about an hour.",
    },
    Article {
        id: "kb-deploy-status",
        title: "Service status and incidents",
        text: "Current incidents and scheduled maintenance are listed on the status page. Subscribe to it to get an email when an incident starts or ends.",
    },
    Article {
        id: "kb-export-data",
        title: "Exporting your data",
        text: "Export a workspace as a ZIP archive of JSON files from Settings > Data > Export. Large exports are prepared in the background and a download link is emailed.",
    },
    Article {
        id: "kb-integrations-slack",
        title: "Slack integration",
        text: "Connect Slack to receive alerts in a channel. The integration needs the chat:write scope and can be limited to selected projects.",
    },
    Article {
        id: "kb-plans-upgrade",
        title: "Upgrading or downgrading a plan",
        text: "Upgrades take effect immediately and are prorated. Downgrades take effect at the end of the billing period and may require removing members first.",
    },
];

/// Questions users ask (each matches one or two articles lexically).
pub const QUESTIONS: [&str; 20] = [
    "How do I download my invoices as CSV?",
    "Can I get a refund on my annual plan?",
    "Which payment methods do you accept for annual plans?",
    "How do I set up SAML single sign-on for our workspace?",
    "Can admins require two-factor authentication for every member?",
    "Who can delete a workspace or change the billing plan?",
    "How often should API keys be rotated and do old keys keep working?",
    "What is the API rate limit and what does a 429 mean?",
    "How are failed webhook deliveries retried?",
    "What happens to uploads when the storage quota is reached?",
    "How long are backups kept and how do I restore one?",
    "Can we move our workspace to the Frankfurt region?",
    "Where can I see current incidents and scheduled maintenance?",
    "How do I export all workspace data as JSON?",
    "Which Slack scope does the integration need?",
    "Is an upgrade prorated and when does a downgrade take effect?",
    "We get HTTP 429 from the API even with backoff, what is the limit per key?",
    "How do I rotate an API key without downtime?",
    "Does a downgrade to Starter change our storage quota?",
    "Can I restore a workspace after deleting it by mistake?",
];

fn terms(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .map(str::to_lowercase)
        .collect()
}

/// Cosine similarity of two vectors (0 when either is zero or they differ in length).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// An article found for a query, with its relevance score in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position in [`ARTICLES`].
    pub article: usize,
    /// Relevance: 0.7 × the share of the query's terms found in the article + 0.3 × the cosine
    /// similarity of the embeddings mapped to 0..=1.
    pub score: f64,
}

/// Articles with their embeddings; searched by lexical overlap blended with vector similarity.
#[derive(Debug, Clone)]
pub struct Index {
    vectors: Vec<Vec<f32>>,
    terms: Vec<HashSet<String>>,
}

impl Index {
    /// An index of [`ARTICLES`] with their embeddings, in the same order.
    pub fn new(vectors: Vec<Vec<f32>>) -> Index {
        let terms = ARTICLES
            .iter()
            .map(|a| terms(&format!("{} {}", a.title, a.text)))
            .collect();
        Index { vectors, terms }
    }

    /// The `k` most relevant articles for `query` (text and embedding), best first.
    pub fn search(&self, query: &str, embedding: &[f32], k: usize) -> Vec<Hit> {
        let query_terms = terms(query);
        let mut hits: Vec<Hit> = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, article_terms)| {
                let lexical = if query_terms.is_empty() {
                    0.0
                } else {
                    query_terms.intersection(article_terms).count() as f64
                        / query_terms.len() as f64
                };
                let vector = self
                    .vectors
                    .get(i)
                    .map_or(0.0, |v| (cosine(embedding, v) + 1.0) / 2.0);
                Hit {
                    article: i,
                    score: 0.7 * lexical + 0.3 * vector,
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(k);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The article sharing the query's terms ranks first; scores are blended as documented.
    #[test]
    fn lexical_match_ranks_first() {
        // Orthogonal unit vectors: cosine 0 → vector part 0.5 for every article but the first,
        // whose vector equals the query's (cosine 1 → 1.0).
        let dims = ARTICLES.len();
        let vectors: Vec<Vec<f32>> = (0..dims)
            .map(|i| (0..dims).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect();
        let index = Index::new(vectors.clone());
        // "refunded" and "annual" and "plans" appear in kb-billing-refunds; query terms longer
        // than 3 letters: refunded, annual, plans → 3 of 3 match.
        let hits = index.search("refunded annual plans", &vectors[0], 2);
        assert_eq!(ARTICLES[hits[0].article].id, "kb-billing-refunds");
        assert!((hits[0].score - (0.7 * 1.0 + 0.3 * 0.5)).abs() < 1e-9);
        assert_eq!(hits.len(), 2);
    }

    /// Cosine of identical vectors is 1, of opposite ones -1, and 0 for mismatched lengths.
    #[test]
    fn cosine_bounds() {
        assert!((cosine(&[1.0, 2.0], &[1.0, 2.0]) - 1.0).abs() < 1e-9);
        assert!((cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-9);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }
}
