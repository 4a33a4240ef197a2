//! The network between nodes: per-link latency distribution and loss, and partitions.
//!
//! A message is an [`Envelope`] that carries its send and delivery times, so a view can draw it at any
//! moment of its flight by interpolation. Links are undirected. Cutting a link affects messages already in
//! flight on it too: at their delivery time the link is checked, and [`PartitionMode`] decides whether a
//! message on a cut link is dropped or held until the link heals (then delivered after a fresh latency draw).
//!
//! **At-least-once delivery.** A link (or the whole network, by default) may deliver a message twice: with
//! probability [`Duplication::rate_ppm`], the delivery of an original spawns a *copy* — the same payload,
//! marked [`Envelope::copy`] — that leaves at that moment and arrives after an exponentially distributed
//! extra delay, so a copy always arrives after its original. A copy is never copied again, and a partition
//! treats it like any message (dropped or held when its link is cut at its delivery). The draws come from
//! their own stream per link (`link.duplicates`), never from the latency stream: a network with duplication
//! off makes exactly the draws, message ids and trace it made before duplication existed.
//!
//! ```
//! use faultline_sim::kernel::{Kernel, LinkSpec, NodeId, SimTime};
//! let mut k: Kernel<&str, ()> = Kernel::new(1);
//! k.net.set_default_link(LinkSpec::fixed_ms(5));
//! let id = k.send(NodeId(0), NodeId(1), "hello").unwrap();
//! assert_eq!(k.net.in_flight(id).unwrap().deliver_at, SimTime::from_millis(5));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

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

/// How a link delivers a message more than once (at-least-once delivery: a redelivery after a lost
/// acknowledgement, a broker's retry). Off by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duplication {
    /// Probability, in parts per million, that a delivered message is delivered a second time.
    pub rate_ppm: u32,
    /// Mean extra delay of the copy after the original's delivery (exponential; at least 1 µs).
    pub extra_delay_mean_us: u64,
}

impl Duplication {
    pub const NONE: Duplication = Duplication { rate_ppm: 0, extra_delay_mean_us: 0 };
}

/// A message in flight.
#[derive(Clone, Debug)]
pub struct Envelope<M> {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: SimTime,
    pub deliver_at: SimTime,
    pub payload: M,
    /// A second delivery of a message already delivered (at-least-once): same payload, later, own id.
    pub copy: bool,
}

/// Hashed field by field like a derived `Hash`, with `copy` written only when set, so the trace of a run
/// without duplication is the one it had before copies existed.
impl<M: Hash> Hash for Envelope<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.from.hash(state);
        self.to.hash(state);
        self.sent_at.hash(state);
        self.deliver_at.hash(state);
        self.payload.hash(state);
        if self.copy {
            true.hash(state);
        }
    }
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
    default_duplication: Duplication,
    link_duplication: BTreeMap<(NodeId, NodeId), Duplication>,
    /// Per-link streams for duplicate draws, apart from `link_rngs` so latency draws never shift.
    duplicate_rngs: BTreeMap<(NodeId, NodeId), RngStream>,
    /// Copies made (at-least-once redeliveries put on the wire).
    pub n_duplicated: u64,
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
            default_duplication: Duplication::NONE,
            link_duplication: BTreeMap::new(),
            duplicate_rngs: BTreeMap::new(),
            n_duplicated: 0,
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
    /// At-least-once delivery on every link without a setting of its own.
    pub fn set_duplication(&mut self, d: Duplication) {
        self.default_duplication = d;
    }
    pub fn set_link_duplication(&mut self, a: NodeId, b: NodeId, d: Duplication) {
        self.link_duplication.insert(link_key(a, b), d);
    }
    pub fn duplication(&self, a: NodeId, b: NodeId) -> Duplication {
        *self.link_duplication.get(&link_key(a, b)).unwrap_or(&self.default_duplication)
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
                    self.held
                        .insert(id, Envelope { id, from, to, sent_at: now, deliver_at: now, payload, copy: false });
                    SendOutcome::Held(id)
                }
            };
        }
        if self.draw_loss(from, to) {
            self.n_lost += 1;
            return SendOutcome::Lost;
        }
        let deliver_at = now + self.draw_latency(from, to);
        self.in_flight.insert(id, Envelope { id, from, to, sent_at: now, deliver_at, payload, copy: false });
        SendOutcome::InFlight(id, deliver_at)
    }

    /// At the delivery of `original` at `now`, perhaps puts a copy of it on the wire (see the module doc);
    /// returns the copy's id and arrival time for the caller (the kernel) to schedule. Copies are not copied.
    pub fn duplicate(&mut self, original: &Envelope<M>, now: SimTime) -> Option<(MsgId, SimTime)>
    where
        M: Clone,
    {
        if original.copy {
            return None;
        }
        let d = self.duplication(original.from, original.to);
        if d.rate_ppm == 0 {
            return None;
        }
        let key = link_key(original.from, original.to);
        let seed = self.seed;
        let rng = self
            .duplicate_rngs
            .entry(key)
            .or_insert_with(|| RngStream::indexed(seed, "link.duplicates", ((key.0.0 as u64) << 16) | key.1.0 as u64));
        if !rng.chance_ppm(d.rate_ppm.min(PPM)) {
            return None;
        }
        let extra = rng.exp_micros(d.extra_delay_mean_us as f64).max(1);
        let id = MsgId(self.next_id);
        self.next_id += 1;
        self.n_duplicated += 1;
        let deliver_at = now + extra;
        let env = Envelope {
            id,
            from: original.from,
            to: original.to,
            sent_at: now,
            deliver_at,
            payload: original.payload.clone(),
            copy: true,
        };
        self.in_flight.insert(id, env);
        Some((id, deliver_at))
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
