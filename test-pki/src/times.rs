//! The fixed instants of the test PKI (all UTC).

use time::macros::datetime;
use time::OffsetDateTime;

/// Reference validation time of the tests.
pub const T0: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

pub const ROOT_FROM: OffsetDateTime = datetime!(2020-01-01 00:00:00 UTC);
pub const ROOT_TO: OffsetDateTime = datetime!(2045-12-31 23:59:59 UTC);
pub const INTERMEDIATE_FROM: OffsetDateTime = datetime!(2021-01-01 00:00:00 UTC);
pub const INTERMEDIATE_TO: OffsetDateTime = datetime!(2040-12-31 23:59:59 UTC);
pub const EE_FROM: OffsetDateTime = datetime!(2025-01-01 00:00:00 UTC);
pub const EE_TO: OffsetDateTime = datetime!(2028-01-01 00:00:00 UTC);
pub const EXPIRED_FROM: OffsetDateTime = datetime!(2023-01-01 00:00:00 UTC);
pub const EXPIRED_TO: OffsetDateTime = datetime!(2025-06-01 00:00:00 UTC);
pub const FUTURE_FROM: OffsetDateTime = datetime!(2030-01-01 00:00:00 UTC);
pub const FUTURE_TO: OffsetDateTime = datetime!(2033-01-01 00:00:00 UTC);

/// thisUpdate / nextUpdate of the current CRLs.
pub const CRL_CURRENT_FROM: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
pub const CRL_CURRENT_TO: OffsetDateTime = datetime!(2035-01-01 00:00:00 UTC);

/// RFC 3339 form, e.g. `2026-06-01T12:00:00Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("fixed UTC times always format")
}
