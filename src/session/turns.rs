//! Which parts of the page a playing frame refreshes. The canvas's moving messages, the time and the
//! stage's links are read every frame; everything else takes one of two turns, so each is refreshed 30×/s
//! on a 60 Hz screen (faster than its numbers can be read) and no frame pays for all of it:
//!
//! | turn   | stage boxes         | other pictures                                           |
//! |--------|---------------------|----------------------------------------------------------|
//! | `Even` | the 1st, 3rd, 5th … | machines, counters, narration, charts, the trace digest  |
//! | `Odd`  | the 2nd, 4th, 6th … | the scene's own panels                                   |
//!
//! (the charts at most 5×/s, and on the other turn than the panels' data, so the two are not paid in one
//! frame.)
//!
//! A seek, a step, an edit, a paused change or the moment playback stops publishes everything at once
//! (`All`). What a box shows is never older than one frame, and a box's published value only ever moves
//! forward: [`merge`] of `[1, 2, 3, 4]` with a fresh `[10, 20, 30, 40]` on the `Even` turn publishes
//! `[10, 2, 30, 4]`.

use faultline_sim::scene::Panel;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// Everything: a seek, a step, an edit, a paused change, the moment playback stops.
    All,
    Even,
    Odd,
}

impl Turn {
    /// The turn after this one while playing.
    pub fn next(self) -> Turn {
        match self {
            Turn::Even => Turn::Odd,
            Turn::Odd | Turn::All => Turn::Even,
        }
    }

    /// Whether item `i` of a list that takes turns by position is refreshed on this turn.
    pub fn takes(self, i: usize) -> bool {
        match self {
            Turn::All => true,
            Turn::Even => i.is_multiple_of(2),
            Turn::Odd => !i.is_multiple_of(2),
        }
    }

    /// Whether the counters, the narration, the machines and (when due) the charts are refreshed on this turn.
    pub fn readouts(self) -> bool {
        self != Turn::Odd
    }

    /// Whether the scene's own panels are refreshed on this turn.
    pub fn panels(self) -> bool {
        self != Turn::Even
    }
}

/// Copies into `published` the items of `fresh` this turn refreshes (by position), keeping the others, when
/// both have the same items (`same` says whether two are the same item, e.g. the same box); otherwise
/// `fresh` replaces it all. Returns whether anything changed.
pub fn merge<T: PartialEq>(published: &mut Vec<T>, fresh: Vec<T>, turn: Turn, same: impl Fn(&T, &T) -> bool) -> bool {
    if turn == Turn::All || !same_items(published, &fresh, same) {
        return replace(published, fresh);
    }
    let mut changed = false;
    for (i, (p, f)) in published.iter_mut().zip(fresh).enumerate() {
        if turn.takes(i) {
            changed |= replace(p, f);
        }
    }
    changed
}

/// Publishes the run's `fresh` panels into `published` for `turn`: the stage's links and legend every
/// frame, its boxes by turn, the machines with the readouts and every other panel on the panels' turn.
pub fn merge_panels(published: &mut Vec<Panel>, fresh: Vec<Panel>, turn: Turn) -> bool {
    if turn == Turn::All || !same_items(published, &fresh, |p, f| p.id() == f.id()) {
        return replace(published, fresh);
    }
    let mut changed = false;
    for (p, f) in published.iter_mut().zip(fresh) {
        match (p, f) {
            (Panel::Topology(p), Panel::Topology(f)) => {
                changed |= replace(&mut p.links, f.links);
                changed |= replace(&mut p.legend, f.legend);
                changed |= merge(&mut p.nodes, f.nodes, turn, |a, b| a.name == b.name);
            }
            (p @ Panel::Machines { .. }, f) => {
                if turn.readouts() {
                    changed |= replace(p, f);
                }
            }
            (p, f) => {
                if turn.panels() {
                    changed |= replace(p, f);
                }
            }
        }
    }
    changed
}

/// Whether `a` and `b` hold the same items, position by position.
fn same_items<T>(a: &[T], b: &[T], same: impl Fn(&T, &T) -> bool) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// Puts `fresh` in `published` if it differs; whether it did.
fn replace<T: PartialEq>(published: &mut T, fresh: T) -> bool {
    let changed = *published != fresh;
    if changed {
        *published = fresh;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_alternate_and_together_cover_every_item() {
        assert_eq!(Turn::All.next(), Turn::Even);
        assert_eq!(Turn::Even.next(), Turn::Odd);
        assert_eq!(Turn::Odd.next(), Turn::Even);
        for i in 0..9 {
            assert!(Turn::All.takes(i));
            assert!(Turn::Even.takes(i) != Turn::Odd.takes(i), "item {i} is refreshed on exactly one turn");
        }
        assert!(Turn::Even.readouts() && !Turn::Odd.readouts() && Turn::All.readouts());
        assert!(Turn::Odd.panels() && !Turn::Even.panels() && Turn::All.panels());
    }

    #[test]
    fn two_turns_publish_the_fresh_list_and_a_new_list_replaces_at_once() {
        let same = |a: &(char, u32), b: &(char, u32)| a.0 == b.0;
        let mut published = vec![('a', 0), ('b', 0), ('c', 0)];
        let fresh = vec![('a', 1), ('b', 1), ('c', 1)];
        assert!(merge(&mut published, fresh.clone(), Turn::Odd, same));
        assert_eq!(published, [('a', 0), ('b', 1), ('c', 0)]);
        assert!(merge(&mut published, fresh.clone(), Turn::Even, same));
        assert_eq!(published, fresh);
        assert!(!merge(&mut published, fresh.clone(), Turn::Odd, same), "nothing new: no change");
        // Other items (a box added or renamed): all at once, whatever the turn.
        let other = vec![('a', 2), ('x', 2)];
        assert!(merge(&mut published, other.clone(), Turn::Odd, same));
        assert_eq!(published, other);
    }
}
