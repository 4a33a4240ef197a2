//! The event queue: a min-heap on (time, sequence number).
//!
//! Two events at the same virtual time are taken in the order they were scheduled — the sequence number is
//! the deterministic tie-break, so no run ever depends on heap internals.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::SimTime;

/// Something that happens at a moment: a message arrives, or a model's own timer fires.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Event<T> {
    Deliver(super::MsgId),
    Timer(T),
}

#[derive(Clone, Debug)]
struct Scheduled<T> {
    at: SimTime,
    seq: u64,
    event: Event<T>,
}

impl<T> PartialEq for Scheduled<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<T> Eq for Scheduled<T> {}
impl<T> PartialOrd for Scheduled<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Scheduled<T> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Pending events, earliest first, ties in scheduling order.
#[derive(Clone, Debug)]
pub struct EventQueue<T> {
    heap: BinaryHeap<Scheduled<T>>,
    next_seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue { heap: BinaryHeap::new(), next_seq: 0 }
    }
}

impl<T> EventQueue<T> {
    pub fn push(&mut self, at: SimTime, event: Event<T>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Scheduled { at, seq, event });
    }
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.at)
    }
    pub fn pop(&mut self) -> Option<(SimTime, Event<T>)> {
        self.heap.pop().map(|s| (s.at, s.event))
    }
    pub fn len(&self) -> usize {
        self.heap.len()
    }
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_ties_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(SimTime(30), Event::Timer("c"));
        q.push(SimTime(10), Event::Timer("a1"));
        q.push(SimTime(20), Event::Timer("b"));
        q.push(SimTime(10), Event::Timer("a2"));
        q.push(SimTime(10), Event::Timer("a3"));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(
            order,
            vec![Event::Timer("a1"), Event::Timer("a2"), Event::Timer("a3"), Event::Timer("b"), Event::Timer("c")]
        );
    }
}
