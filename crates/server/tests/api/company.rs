//! A real company's directory file, generated: tens of thousands of users with attributes and permissions,
//! thousands of groups with members, tens of thousands of data sources with columns. Deterministic, so two
//! calls with one size give the same file.

use std::fmt::Write;

/// How large a company to generate.
#[derive(Debug, Clone, Copy)]
pub struct CompanySize {
    pub users: usize,
    pub groups: usize,
    pub members_per_group: usize,
    pub data_sources: usize,
    pub columns_per_source: usize,
}

impl CompanySize {
    /// 50,000 users, 5,000 groups of 20 and 20,000 data sources of 12 columns.
    pub const LARGE: CompanySize = CompanySize {
        users: 50_000,
        groups: 5_000,
        members_per_group: 20,
        data_sources: 20_000,
        columns_per_source: 12,
    };
}

const DOMAINS: usize = 25;
const TAGS: usize = 60;
const DEPARTMENTS: [&str; 8] = [
    "Sales",
    "Finance",
    "Marketing",
    "Engineering",
    "Operations",
    "Legal",
    "Human Resources",
    "Support",
];
const REGIONS: [&str; 4] = ["North America", "Europe", "Asia Pacific", "Latin America"];
const CLEARANCES: [&str; 3] = ["Internal", "Confidential", "Restricted"];
const TYPES: [&str; 5] = ["varchar", "integer", "timestamp", "numeric", "boolean"];

/// The username of the company's user `index` (from 0).
pub fn username(index: usize) -> String {
    format!("user{index:06}")
}

/// The directory file of a company of `size`, tenant `short_key`.
pub fn company_yaml(short_key: &str, size: CompanySize) -> String {
    let mut yaml = String::with_capacity(size.users * 420 + size.data_sources * 1_100 + size.groups * 400);
    let out = &mut yaml;
    let _ = writeln!(
        out,
        "tenant:\n  shortKey: {short_key}\n  name: Acme Corporation\n\ndomains:"
    );
    for domain in 0..DOMAINS {
        let _ = writeln!(
            out,
            "  - id: {}\n    name: Domain {domain:02}\n    description: Data owned by business unit {domain:02}",
            uuid(0xd0, domain)
        );
    }
    out.push_str("\ntags:\n");
    for tag in 0..TAGS {
        let _ = writeln!(out, "  - id: {}\n    name: Tag {tag:02}", tag + 1);
    }
    out.push_str("\nusers:\n");
    for user in 0..size.users {
        let _ = writeln!(
            out,
            "  - id: {}\n    globalUserId: {}\n    username: {}\n    name: Person {user}\n    \
             email: {}@acme.example",
            user + 1,
            uuid(0xa0, user),
            username(user),
            username(user),
        );
        if user % 1_000 == 0 {
            out.push_str("    permissions: [GOVERNANCE, AUDIT]\n");
        }
        if user % 97 == 0 {
            let _ = writeln!(
                out,
                "    domainPermissions:\n      - domain: Domain {:02}\n        permission: Manage Data Products",
                user % DOMAINS
            );
        }
        let _ = writeln!(
            out,
            "    attributes:\n      Department: [{}]\n      Region: [{}]\n      Clearance: [{}, {}]\n      \
             Cost Center: [CC-{:04}]",
            DEPARTMENTS[user % DEPARTMENTS.len()],
            REGIONS[user % REGIONS.len()],
            CLEARANCES[user % 2],
            CLEARANCES[2],
            user % 700,
        );
    }
    out.push_str("\ngroups:\n");
    for group in 0..size.groups {
        let members: Vec<String> = (0..size.members_per_group)
            .map(|member| username((group * 7 + member * 2_503) % size.users.max(1)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = writeln!(
            out,
            "  - id: {}\n    name: Group {group:05}\n    email: group{group:05}@acme.example\n    members: [{}]",
            group + 1,
            members.join(", ")
        );
        if group % 50 == 0 {
            let _ = writeln!(
                out,
                "    domainPermissions:\n      - domain: Domain {:02}\n        permission: Audit Activity",
                group % DOMAINS
            );
        }
    }
    out.push_str("\ndataSources:\n");
    for source in 0..size.data_sources {
        let _ = writeln!(
            out,
            "  - id: {}\n    name: Source {source:06}\n    domain: Domain {:02}\n    platform: Snowflake\n    \
             hostname: acme.snowflakecomputing.com\n    database: DB_{:02}\n    schema: SCHEMA_{:03}\n    \
             table: TABLE_{source:06}\n    tags: [Tag {:02}]\n    columns:",
            source + 1,
            source % DOMAINS,
            source % 20,
            source % 400,
            source % TAGS,
        );
        for column in 0..size.columns_per_source {
            let _ = write!(
                out,
                "      - {{name: column_{column:02}, type: {}",
                TYPES[(source + column) % TYPES.len()]
            );
            if (source + column) % 6 == 0 {
                let _ = write!(
                    out,
                    ", tags: [Tag {:02}], globalMasking: Hashing",
                    (source + column) % TAGS
                );
            }
            out.push_str("}\n");
        }
    }
    yaml
}

/// A UUID unique to `kind` and `index`.
fn uuid(kind: u8, index: usize) -> String {
    format!("{kind:02x}000000-0000-4000-8000-{index:012x}")
}
