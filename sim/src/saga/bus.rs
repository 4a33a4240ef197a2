//! The event bus of choreography: a durable broker that routes each published event to its subscriber
//! (see [`subscribers`](super::protocol::subscribers)). Taken down, it holds what is published until it is
//! back. It delivers at least once — what it sends may arrive twice — but it detects duplicate
//! publications by message id, the (saga, event) pair, as brokers with duplicate detection do: an event it
//! has already routed is not routed again. So a handler without idempotency that runs twice charges twice,
//! but its second publication does not fan out down the whole saga (which would multiply every message by
//! (1 + duplicate rate)² per step).

use std::collections::VecDeque;

use crate::kernel::{Field, Kernel, SharedVec};
use crate::scene::Tone;

use super::model::SagaModel;
use super::observer::Lane;
use super::protocol::{BUS, EventKind, Msg, SagaRef, Timer, subscribers};

#[derive(Clone, Debug)]
pub struct Bus {
    pub up: bool,
    pub queue: VecDeque<(SagaRef, EventKind)>,
    pub n_routed: u64,
    /// Publications dropped as duplicates.
    pub n_duplicates_dropped: u64,
    /// The duplicate-detection table: per saga, a bit per event already routed.
    routed: SharedVec<u16>,
}

impl Default for Bus {
    fn default() -> Self {
        Bus { up: true, queue: VecDeque::new(), n_routed: 0, n_duplicates_dropped: 0, routed: SharedVec::new() }
    }
}

/// The event's bit in the duplicate-detection table.
fn event_bit(event: EventKind) -> u16 {
    let (group, step) = match event {
        EventKind::Done(s) => (0, s),
        EventKind::Failed(s) => (1, s),
        EventKind::Compensated(s) => (2, s),
    };
    1 << (group * 4 + step.index())
}

impl SagaModel {
    pub(super) fn bus_publish(&mut self, k: &mut Kernel<Msg, Timer>, saga: SagaRef, event: EventKind) {
        if !self.bus.up {
            self.bus.queue.push_back((saga, event));
            return;
        }
        let b = &mut self.bus;
        let idx = saga.id as usize;
        if b.routed.len() <= idx {
            b.routed.resize(idx + 1, 0);
        }
        let bit = event_bit(event);
        if b.routed[idx] & bit != 0 {
            b.n_duplicates_dropped += 1;
            return;
        }
        b.routed[idx] |= bit;
        b.n_routed += 1;
        if let Some((service, _)) = subscribers(event) {
            k.send(BUS, service.node(), Msg::Deliver { saga, event });
        }
    }

    pub(super) fn bus_down(&mut self, k: &mut Kernel<Msg, Timer>) {
        if !self.bus.up {
            return;
        }
        self.bus.up = false;
        self.observer.flows.mark_open(Lane::Bus, k.now(), "down", Tone::Bad);
        k.emit(
            "fault",
            "bus DOWN: published events wait in it until it is back".into(),
            vec![("node", Field::from("bus"))],
        );
    }

    pub(super) fn bus_up(&mut self, k: &mut Kernel<Msg, Timer>) {
        if self.bus.up {
            return;
        }
        self.bus.up = true;
        let waiting: Vec<_> = self.bus.queue.drain(..).collect();
        self.observer.flows.mark_open(Lane::Bus, k.now(), "back up", Tone::Good);
        k.emit(
            "fault",
            format!("bus back UP: routing the {} events that waited", waiting.len()),
            vec![("node", Field::from("bus")), ("queued", Field::from(waiting.len()))],
        );
        for (saga, event) in waiting {
            self.bus_publish(k, saga, event);
        }
    }
}
