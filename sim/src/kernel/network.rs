//! The network between nodes: per-link latency distribution and loss, and partitions.
//!
//! A message is an [`Envelope`] that carries its send and delivery times, so a view can draw it at any
//! moment of its flight by interpolation. Links are undirected. Cutting a link affects messages already in
//! flight on it too: at their delivery time the link is checked, and [`PartitionMode`] decides whether a
//! message on a cut link is dropped or held until the link heals (then delivered after a fresh latency draw).
//!
//! ```
//! use faultline_sim::kernel::{Kernel, LinkSpec, NodeId, SimTime};
//! let mut k: Kernel<&str, ()> = Kernel::new(1);
//! k.net.set_default_link(LinkSpec::fixed_ms(5));
//! let id = k.send(NodeId(0), NodeId(1), "hello").unwrap();
//! assert_eq!(k.net.in_flight(id).unwrap().deliver_at, SimTime::from_millis(5));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use super::SimTime;
use super::rng::{PPM, RngStream};

/// A node of the simulated system (client pool, service, dependency, cache, database…).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct NodeId(pub u16);

/// Identity of one message; increases with every send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgId(pub u64);

/// Latency and loss of a link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkSpec {
    /// Median one-way latency in microseconds.
    pub latency_median_us: u64,
    /// Log-normal shape: 0 = fixed latency, 0.5 = a visible tail.
    pub latency_sigma: f64,
    /// Probability of losing a message, in parts per million.
    pub loss_ppm: u32,
}

impl LinkSpec {
    pub const fn fixed_ms(ms: u64) -> Self {
        LinkSpec { latency_median_us: ms * 1000, latency_sigma: 0.0, loss_ppm: 0 }
    }
}

/// What a cut link does to a message that reaches it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartitionMode {
    /// The message is lost (TCP connection reset, UDP datagram gone).
    Drop,
    /// The message waits and is delivered after the link heals (a stalled TCP stream).
    Hold,
}

/// A message in flight.
#[derive(Clone, Debug, Hash)]
pub struct Envelope<M> {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: SimTime,
    pub deliver_at: SimTime,
    pub payload: M,
}

/// What happened to a message handed to the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    InFlight(MsgId, SimTime),
    Lost,
    DroppedByPartition,
    Held(MsgId),
}

fn link_key(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Links, partitions and the messages currently travelling.
#[derive(Clone, Debug)]
pub struct Network<M> {
    seed: u64,
    default_link: LinkSpec,
    links: BTreeMap<(NodeId, NodeId), LinkSpec>,
    link_rngs: BTreeMap<(NodeId, NodeId), RngStream>,
    cut: BTreeSet<(NodeId, NodeId)>,
    pub mode: PartitionMode,
    in_flight: BTreeMap<MsgId, Envelope<M>>,
    held: BTreeMap<MsgId, Envelope<M>>,
    next_id: u64,
    pub n_lost: u64,
    pub n_dropped_by_partition: u64,
}

impl<M> Network<M> {
    pub fn new(seed: u64) -> Self {
        Network {
            seed,
            default_link: LinkSpec::fixed_ms(1),
            links: BTreeMap::new(),
            link_rngs: BTreeMap::new(),
            cut: BTreeSet::new(),
            mode: PartitionMode::Drop,
            in_flight: BTreeMap::new(),
            held: BTreeMap::new(),
            next_id: 0,
            n_lost: 0,
            n_dropped_by_partition: 0,
        }
    }

    pub fn set_default_link(&mut self, spec: LinkSpec) {
        self.default_link = spec;
    }
    pub fn set_link(&mut self, a: NodeId, b: NodeId, spec: LinkSpec) {
        self.links.insert(link_key(a, b), spec);
    }
    pub fn link(&self, a: NodeId, b: NodeId) -> LinkSpec {
        *self.links.get(&link_key(a, b)).unwrap_or(&self.default_link)
    }
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert(link_key(a, b));
    }
    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.cut.contains(&link_key(a, b))
    }
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }

    /// Heals a link and returns the held messages to deliver again (their `deliver_at` is re-drawn from `now`).
    pub fn heal(&mut self, a: NodeId, b: NodeId, now: SimTime) -> Vec<(MsgId, SimTime)> {
        let key = link_key(a, b);
        self.cut.remove(&key);
        let ids: Vec<MsgId> =
            self.held.iter().filter(|(_, e)| link_key(e.from, e.to) == key).map(|(id, _)| *id).collect();
        let mut released = Vec::with_capacity(ids.len());
        for id in ids {
            let mut env = self.held.remove(&id).expect("held id listed above");
            env.deliver_at = now + self.draw_latency(env.from, env.to);
            released.push((id, env.deliver_at));
            self.in_flight.insert(id, env);
        }
        released
    }

    fn draw_latency(&mut self, from: NodeId, to: NodeId) -> u64 {
        let spec = self.link(from, to);
        let key = link_key(from, to);
        let seed = self.seed;
        let rng = self
            .link_rngs
            .entry(key)
            .or_insert_with(|| RngStream::indexed(seed, "link", ((key.0.0 as u64) << 16) | key.1.0 as u64));
        if spec.latency_sigma > 0.0 {
            rng.lognormal_micros(spec.latency_median_us as f64, spec.latency_sigma).max(1)
        } else {
            spec.latency_median_us
        }
    }

    fn draw_loss(&mut self, from: NodeId, to: NodeId) -> bool {
        let spec = self.link(from, to);
        if spec.loss_ppm == 0 {
            return false;
        }
        let key = link_key(from, to);
        let seed = self.seed;
        let rng = self
            .link_rngs
            .entry(key)
            .or_insert_with(|| RngStream::indexed(seed, "link", ((key.0.0 as u64) << 16) | key.1.0 as u64));
        rng.chance_ppm(spec.loss_ppm.min(PPM))
    }

    /// Puts a message on the wire. The caller (the kernel) schedules its delivery event.
    pub fn send(&mut self, from: NodeId, to: NodeId, payload: M, now: SimTime) -> SendOutcome {
        let id = MsgId(self.next_id);
        self.next_id += 1;
        if self.is_cut(from, to) {
            return match self.mode {
                PartitionMode::Drop => {
                    self.n_dropped_by_partition += 1;
                    SendOutcome::DroppedByPartition
                }
                PartitionMode::Hold => {
                    self.held.insert(id, Envelope { id, from, to, sent_at: now, deliver_at: now, payload });
                    SendOutcome::Held(id)
                }
            };
        }
        if self.draw_loss(from, to) {
            self.n_lost += 1;
            return SendOutcome::Lost;
        }
        let deliver_at = now + self.draw_latency(from, to);
        self.in_flight.insert(id, Envelope { id, from, to, sent_at: now, deliver_at, payload });
        SendOutcome::InFlight(id, deliver_at)
    }

    /// Takes a message off the wire at its delivery time. `None` if the link was cut meanwhile (the message is
    /// then dropped or held, per [`PartitionMode`]) or if the id is unknown.
    pub fn deliver(&mut self, id: MsgId) -> Option<Envelope<M>> {
        let env = self.in_flight.remove(&id)?;
        if self.is_cut(env.from, env.to) {
            match self.mode {
                PartitionMode::Drop => self.n_dropped_by_partition += 1,
                PartitionMode::Hold => {
                    self.held.insert(id, env);
                }
            }
            return None;
        }
        Some(env)
    }

    pub fn in_flight(&self, id: MsgId) -> Option<&Envelope<M>> {
        self.in_flight.get(&id)
    }
    pub fn messages_in_flight(&self) -> impl Iterator<Item = &Envelope<M>> {
        self.in_flight.values()
    }
    pub fn n_in_flight(&self) -> usize {
        self.in_flight.len()
    }
    pub fn messages_held(&self) -> impl Iterator<Item = &Envelope<M>> {
        self.held.values()
    }
}
