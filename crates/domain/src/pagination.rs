//! Offset pagination as the reference defines it: `pageCount` is the number of items on this page,
//! `totalPages = ceil(totalCount / limit)` and `currentPage = offset / limit + 1`.

/// Default page size of offset-paginated lists.
pub const DEFAULT_LIMIT: u64 = 10;
/// Where the reference declares no maximum, a larger limit is served as this one (and `meta.limit` says so).
pub const MAX_LIMIT: u64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPage {
    pub offset: u64,
    pub limit: u64,
}

impl OffsetPage {
    /// Caps the limit at [`MAX_LIMIT`] (callers validate `limit >= 1` before) and the offset at what SQL can
    /// express.
    pub fn new(offset: u64, limit: u64) -> Self {
        Self {
            offset: offset.min(i64::MAX as u64),
            limit: limit.clamp(1, MAX_LIMIT),
        }
    }
}

impl Default for OffsetPage {
    fn default() -> Self {
        Self::new(0, DEFAULT_LIMIT)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMeta {
    pub offset: u64,
    pub limit: u64,
    pub total_count: u64,
    pub page_count: u64,
    pub current_page: u64,
    pub total_pages: u64,
}

impl PageMeta {
    pub fn new(page: OffsetPage, total_count: u64, items_on_page: u64) -> Self {
        Self {
            offset: page.offset,
            limit: page.limit,
            total_count,
            page_count: items_on_page,
            current_page: page.offset / page.limit + 1,
            total_pages: total_count.div_ceil(page.limit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_follows_the_reference() {
        let meta = PageMeta::new(OffsetPage::new(20, 10), 25, 5);
        assert_eq!(meta.current_page, 3);
        assert_eq!(meta.total_pages, 3);
        assert_eq!(meta.page_count, 5);
        let empty = PageMeta::new(OffsetPage::default(), 0, 0);
        assert_eq!((empty.current_page, empty.total_pages), (1, 0));
    }

    #[test]
    fn limit_is_capped() {
        assert_eq!(OffsetPage::new(0, 5000).limit, MAX_LIMIT);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn walking_every_page_meets_every_item_once_and_the_last_page_says_so(
            total in 0u64..3000,
            limit in 1u64..1500,
        ) {
            let items: Vec<u64> = (0..total).collect();
            let mut seen = Vec::new();
            let mut page = OffsetPage::new(0, limit);
            let mut number = 1;
            loop {
                let start = (page.offset as usize).min(items.len());
                let on_page = items[start..(start + page.limit as usize).min(items.len())].to_vec();
                let meta = PageMeta::new(page, total, on_page.len() as u64);
                prop_assert_eq!(meta.limit, limit.min(MAX_LIMIT));
                prop_assert_eq!(meta.current_page, number);
                prop_assert_eq!(meta.page_count, on_page.len() as u64);
                seen.extend(on_page);
                if total == 0 {
                    // No items: one empty first page, and no pages to count.
                    prop_assert_eq!((meta.page_count, meta.total_pages), (0, 0));
                    break;
                }
                let last = meta.current_page == meta.total_pages;
                prop_assert_eq!(last, seen.len() as u64 == total, "{:?}", meta);
                if last {
                    break;
                }
                prop_assert!(meta.current_page < meta.total_pages);
                page = OffsetPage::new(page.offset + page.limit, limit);
                number += 1;
            }
            prop_assert_eq!(seen, items);
        }

        #[test]
        fn any_offset_and_limit_are_served_within_bounds(offset: u64, limit in 1u64..) {
            let page = OffsetPage::new(offset, limit);
            prop_assert!((1..=MAX_LIMIT).contains(&page.limit));
            prop_assert!(page.offset <= i64::MAX as u64);
            prop_assert_eq!(page.offset, offset.min(i64::MAX as u64));
            let meta = PageMeta::new(page, u64::MAX, 0);
            prop_assert_eq!(meta.current_page, page.offset / page.limit + 1);
            prop_assert_eq!(meta.total_pages, u64::MAX.div_ceil(page.limit));
        }
    }
}
