//! A session's subscription entries by ref id.
//!
//! Ref ids are handed out in increasing order on a connection and never reused, so entries
//! are kept in a deque indexed by `ref_id - base`: a stream's replies, which the server
//! sends in ref order, then walk memory in order (a hash map scatters them, one cache miss
//! per reading at millions of readings per second). Removed entries leave holes; holes at
//! either end are trimmed, and should the holes inside ever outnumber the live entries by
//! far (add and remove churn around one long-lived entry), the table moves to a hash map,
//! so memory stays proportional to the live entries.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

/// Holes tolerated beyond twice the live entries before the table turns sparse.
const SLACK: usize = 4096;

/// Entries by ref id; see the [module docs](self).
#[derive(Debug)]
pub(crate) struct StreamTable<T> {
    form: Form<T>,
}

#[derive(Debug)]
enum Form<T> {
    Dense {
        /// The ref id of `slots[0]`.
        base: i64,
        slots: VecDeque<Option<T>>,
        live: usize,
    },
    Sparse(FxHashMap<i64, T>),
}

impl<T> Default for StreamTable<T> {
    fn default() -> Self {
        StreamTable {
            form: Form::Dense {
                base: 0,
                slots: VecDeque::new(),
                live: 0,
            },
        }
    }
}

impl<T> StreamTable<T> {
    /// Adds (or replaces) the entry of `ref_id`.
    pub fn insert(&mut self, ref_id: i64, value: T) {
        let Form::Dense { base, slots, live } = &mut self.form else {
            if let Form::Sparse(map) = &mut self.form {
                map.insert(ref_id, value);
            }
            return;
        };
        if slots.is_empty() {
            *base = ref_id;
        }
        let index = ref_id
            .checked_sub(*base)
            .and_then(|i| usize::try_from(i).ok());
        match index {
            Some(i) if i < slots.len() => {
                if let Some(slot) = slots.get_mut(i) {
                    if slot.is_none() {
                        *live += 1;
                    }
                    *slot = Some(value);
                }
            }
            Some(i) if i - slots.len() <= SLACK => {
                slots.resize_with(i, || None);
                slots.push_back(Some(value));
                *live += 1;
            }
            // Below the base, or far beyond the end: not the usual increasing ids.
            _ => {
                self.make_sparse();
                self.insert(ref_id, value);
                return;
            }
        }
        self.check_holes();
    }

    /// Removes and returns the entry of `ref_id`.
    pub fn remove(&mut self, ref_id: i64) -> Option<T> {
        match &mut self.form {
            Form::Sparse(map) => map.remove(&ref_id),
            Form::Dense { base, slots, live } => {
                let i = usize::try_from(ref_id.checked_sub(*base)?).ok()?;
                let removed = slots.get_mut(i)?.take()?;
                *live -= 1;
                while matches!(slots.front(), Some(None)) {
                    slots.pop_front();
                    *base += 1;
                }
                while matches!(slots.back(), Some(None)) {
                    slots.pop_back();
                }
                Some(removed)
            }
        }
    }

    /// The entry of `ref_id`.
    pub fn get(&self, ref_id: i64) -> Option<&T> {
        match &self.form {
            Form::Sparse(map) => map.get(&ref_id),
            Form::Dense { base, slots, .. } => {
                let i = usize::try_from(ref_id.checked_sub(*base)?).ok()?;
                slots.get(i)?.as_ref()
            }
        }
    }

    /// The entry of `ref_id`, mutably.
    pub fn get_mut(&mut self, ref_id: i64) -> Option<&mut T> {
        match &mut self.form {
            Form::Sparse(map) => map.get_mut(&ref_id),
            Form::Dense { base, slots, .. } => {
                let i = usize::try_from(ref_id.checked_sub(*base)?).ok()?;
                slots.get_mut(i)?.as_mut()
            }
        }
    }

    /// Every entry with its ref id (in ref order while dense).
    pub fn iter(&self) -> Box<dyn Iterator<Item = (i64, &T)> + '_> {
        match &self.form {
            Form::Sparse(map) => Box::new(map.iter().map(|(r, v)| (*r, v))),
            Form::Dense { base, slots, .. } => {
                let base = *base;
                Box::new(slots.iter().enumerate().filter_map(move |(i, v)| {
                    let offset = i64::try_from(i).ok()?;
                    Some((base.checked_add(offset)?, v.as_ref()?))
                }))
            }
        }
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        match &self.form {
            Form::Sparse(map) => map.len(),
            Form::Dense { live, .. } => *live,
        }
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the entries are kept densely (for tests).
    #[cfg(test)]
    fn is_dense(&self) -> bool {
        matches!(self.form, Form::Dense { .. })
    }

    fn check_holes(&mut self) {
        if let Form::Dense { slots, live, .. } = &self.form
            && slots.len() > 2 * *live + SLACK
        {
            self.make_sparse();
        }
    }

    fn make_sparse(&mut self) {
        let form = std::mem::replace(&mut self.form, Form::Sparse(FxHashMap::default()));
        if let (Form::Dense { base, slots, .. }, Form::Sparse(map)) = (form, &mut self.form) {
            for (i, slot) in slots.into_iter().enumerate() {
                if let (Some(v), Ok(offset)) = (slot, i64::try_from(i)) {
                    map.insert(base + offset, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increasing_ids_stay_dense_and_trim_their_ends() {
        let mut t = StreamTable::default();
        for r in 1..=100 {
            t.insert(r, r * 10);
        }
        assert!(t.is_dense());
        assert_eq!(
            (t.len(), t.get(37), t.get(0), t.get(101)),
            (100, Some(&370), None, None)
        );
        assert_eq!(t.remove(1), Some(10));
        assert_eq!(t.remove(1), None);
        assert_eq!(t.remove(50), Some(500));
        *t.get_mut(51).expect("present") += 1;
        assert_eq!(t.get(51), Some(&511));
        assert_eq!(t.len(), 98);
        let ids: Vec<i64> = t.iter().map(|(r, _)| r).collect();
        assert_eq!(ids.len(), 98);
        assert_eq!((ids[0], ids[48], ids[97]), (2, 51, 100));
        for r in 2..=100 {
            t.remove(r);
        }
        assert!(t.is_empty());
        // An empty table starts again from the next id.
        t.insert(1000, 1);
        assert_eq!((t.get(1000), t.len()), (Some(&1), 1));
        assert!(t.is_dense());
    }

    #[test]
    fn churn_around_a_long_lived_entry_turns_sparse_and_keeps_every_entry() {
        let mut t = StreamTable::default();
        t.insert(1, "first");
        let mut next = 2;
        for _ in 0..5_000 {
            t.insert(next, "churn");
            t.remove(next);
            next += 1;
        }
        t.insert(next, "last");
        assert!(!t.is_dense(), "holes are bounded");
        assert_eq!(
            (t.len(), t.get(1), t.get(next)),
            (2, Some(&"first"), Some(&"last"))
        );
        let mut ids: Vec<i64> = t.iter().map(|(r, _)| r).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, next]);
    }

    #[test]
    fn out_of_order_ids_are_kept() {
        let mut t = StreamTable::default();
        t.insert(10, 'a');
        t.insert(5, 'b');
        t.insert(i64::MAX, 'c');
        assert_eq!(
            (t.get(10), t.get(5), t.get(i64::MAX), t.len()),
            (Some(&'a'), Some(&'b'), Some(&'c'), 3)
        );
        assert_eq!(t.remove(5), Some('b'));
        assert_eq!(t.get(-1), None);
    }
}
