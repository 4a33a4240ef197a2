//! The CAP system: N replicas of one register in two sites, closed-loop clients, its configuration, its
//! invariants, and the dispatch of messages, timers and faults to the actors — `coordinator.rs` (the three
//! protocols), `replica.rs` (storage and merging), `clients.rs`; anti-entropy and the network's shape are
//! here. What is measured of the history is the observer's (`observer.rs`); how it is shown, `view.rs`.

use crate::kernel::{
    ActionKind, Envelope, Field, InvariantSpec, Kernel, LinkSpec, NodeId, Params, PartitionMode, RngStream, SimTime,
    ppm,
};

use super::clients::Client;
use super::observer::Observer;
use super::protocol::{
    CLIENT_LINK_US, Conflict, LINK_SIGMA, MAX_CLIENTS, MAX_REPLICAS, Mode, Msg, REPLICA_LINK_US, SITE_LINK_US, Site,
    Timer, client_node, client_of, client_site, replica_node, replica_of, replica_site, site_replicas,
};
use super::replica::Replica;
use super::theory::stale_read_probability;

/// How often the divergence chart and the sites' alarms are sampled.
const SAMPLE_US: u64 = 100_000;

/// The scene's invariants, in the order of [`INVARIANTS`].
#[derive(Clone, Copy)]
pub(super) enum Inv {
    OpsUnaccounted,
    FailedWritesApplied,
    CpOkWithoutMajority,
    CpLinearizabilityViolations,
    StaleDespiteQuorumOverlap,
}

pub const INVARIANTS: &[InvariantSpec] = &[
    InvariantSpec::always(
        "ops_unaccounted",
        "operations counted wrong",
        "Every operation that ended is counted exactly once: ok, failed or unknown.",
    ),
    InvariantSpec::always(
        "failed_writes_applied",
        "writes answered “fail” that a replica stored",
        "“fail” means certainly not applied: a coordinator answers it only while no replica has been sent the value.",
    ),
    InvariantSpec::when(
        "cp_ok_without_majority",
        "cp operations answered ok without a reachable majority",
        "Under cp, an operation whose coordinator could reach fewer than a majority of the replicas for its whole \
         duration never returns ok: the minority side refuses.",
        "mode",
        "cp",
    ),
    InvariantSpec::when(
        "cp_linearizability_violations",
        "moments the cp history was not linearizable",
        "Majority quorums with a read write-back (ABD) are linearizable: the checker finds no violation in a \
         history recorded under cp, whatever the partitions and crashes.",
        "mode",
        "cp",
    ),
    InvariantSpec::always(
        "stale_despite_quorum_overlap",
        "reads that missed a write their quorum overlaps",
        "When a read's quorum R and an acknowledged write's quorum W overlap (R + W > N), the read returns that \
         write or a newer version.",
    ),
];

#[derive(Clone, Debug)]
pub(super) struct Config {
    pub mode: Mode,
    pub read_quorum: usize,
    pub write_quorum: usize,
    pub conflict: Conflict,
    pub clients: usize,
    pub op_rate: f64,
    pub write_share_ppm: u32,
    pub replication_delay_us: u64,
    pub clock_skew_us: u64,
    pub op_timeout_us: u64,
}

impl Config {
    fn from_params(p: &Params) -> Self {
        Config {
            mode: Mode::from_name(p.choice("mode")),
            read_quorum: (p.num("read_quorum") as usize).clamp(1, MAX_REPLICAS),
            write_quorum: (p.num("write_quorum") as usize).clamp(1, MAX_REPLICAS),
            conflict: Conflict::from_name(p.choice("conflict")),
            clients: (p.num("clients") as usize).clamp(1, MAX_CLIENTS),
            op_rate: p.num("op_rate").max(0.0),
            write_share_ppm: ppm(p.num("write_share")),
            replication_delay_us: ((p.num("replication_delay_ms") * 1e3) as u64).max(1),
            clock_skew_us: (p.num("clock_skew_ms") * 1e3) as u64,
            op_timeout_us: ((p.num("op_timeout_ms") * 1e3) as u64).max(1),
        }
    }
}

#[derive(Clone, Debug)]
pub struct CapModel {
    pub(super) cfg: Config,
    pub(super) replicas: Vec<Replica>,
    pub(super) clients: Vec<Client>,
    pub(super) obs: Observer,
    /// Which replicas a quorum operation asks.
    pub(super) pick_rng: RngStream,
    pub(super) next_op: u64,
    /// The last value written (values are 1, 2, 3… in the order writes are invoked).
    pub(super) next_value: u64,
    /// Changes whenever a link, a replica or a client goes down or comes back.
    pub(super) net_epoch: u64,
    /// Since when some link between replicas is cut.
    pub(super) split_since: Option<SimTime>,
    /// An anti-entropy round is scheduled, per replica.
    gossip_pending: [bool; MAX_REPLICAS],
}

impl CapModel {
    pub fn new(params: &Params, k: &mut Kernel<Msg, Timer>) -> Self {
        let cfg = Config::from_params(params);
        // The number of replicas is the cluster's membership: fixed for a run (changing it live is a
        // reconfiguration protocol of its own).
        let n = if params.num("replicas") >= 5.0 { 5 } else { 3 };
        k.net.mode = PartitionMode::Drop;
        let link = |median_us| LinkSpec { latency_median_us: median_us, latency_sigma: LINK_SIGMA, loss_ppm: 0 };
        for i in 0..n {
            for j in i + 1..n {
                let same = replica_site(i, n) == replica_site(j, n);
                k.net.set_link(
                    replica_node(i),
                    replica_node(j),
                    link(if same { REPLICA_LINK_US } else { SITE_LINK_US }),
                );
            }
            for c in 0..MAX_CLIENTS {
                let same = replica_site(i, n) == client_site(c);
                k.net.set_link(client_node(c), replica_node(i), link(if same { CLIENT_LINK_US } else { SITE_LINK_US }));
            }
        }
        let seed = k.seed();
        let mut obs = Observer::new(cfg.mode);
        obs.network.set(SimTime::ZERO, 0.0);
        let mut m = CapModel {
            replicas: vec![Replica::default(); n],
            clients: (0..MAX_CLIENTS).map(|c| Client::new(seed, c)).collect(),
            obs,
            pick_rng: k.rng("quorum.pick"),
            next_op: 0,
            next_value: 0,
            net_epoch: 0,
            split_since: None,
            gossip_pending: [false; MAX_REPLICAS],
            cfg,
        };
        m.note_theory(SimTime::ZERO);
        m
    }

    /// Replicas in this run.
    pub fn n(&self) -> usize {
        self.replicas.len()
    }

    /// Replica `r`'s clock skew: the first replica runs `clock_skew_ms` behind, the last as far ahead, the
    /// others evenly between (fixed, so a preset's story does not depend on the seed).
    pub(super) fn clock_offset_us(&self, r: usize) -> i64 {
        let n = self.n().max(2) as i64;
        let skew = self.cfg.clock_skew_us as i64;
        skew * (2 * r as i64 - (n - 1)) / (n - 1)
    }

    /// The stale-read theory line: C(N−W, R) / C(N, R) while in `quorum`.
    fn note_theory(&mut self, now: SimTime) {
        let v = (self.cfg.mode == Mode::Quorum).then(|| {
            stale_read_probability(self.n(), self.cfg.read_quorum.min(self.n()), self.cfg.write_quorum.min(self.n()))
        });
        if self.obs.theory.last().is_none_or(|&(_, last)| last != v) {
            self.obs.theory.push((now, v));
        }
    }

    fn apply_config(&mut self, k: &mut Kernel<Msg, Timer>, params: &Params) {
        let old = self.cfg.clone();
        self.cfg = Config::from_params(params);
        if params.num("replicas") as usize != self.n() {
            k.emit(
                "param",
                format!(
                    "the cluster keeps its {} replicas: a different number takes effect when the run restarts (a live membership change is a protocol of its own)",
                    self.n()
                ),
                vec![("replicas", Field::from(self.n()))],
            );
        }
        if old.mode != self.cfg.mode {
            self.start_segment(k);
            if self.cfg.mode == Mode::Ap {
                self.start_gossip(k);
            }
        }
        self.note_theory(k.now());
        for c in 0..MAX_CLIENTS {
            self.think(k, c);
        }
    }

    // ---- anti-entropy ----------------------------------------------------------------------------------

    fn start_gossip(&mut self, k: &mut Kernel<Msg, Timer>) {
        let n = self.n() as u64;
        for r in 0..self.n() {
            if !self.gossip_pending[r] {
                self.gossip_pending[r] = true;
                // Staggered, so the rounds do not all leave at once.
                let first = self.cfg.replication_delay_us * (r as u64 + 1) / n;
                k.schedule_in(first.max(1), Timer::AntiEntropy { replica: r as u8 });
            }
        }
    }

    fn on_anti_entropy(&mut self, k: &mut Kernel<Msg, Timer>, r: usize) {
        self.gossip_pending[r] = false;
        if self.cfg.mode != Mode::Ap {
            return;
        }
        let replica = &self.replicas[r];
        if replica.up && !replica.versions.is_empty() {
            let versions = replica.versions.clone();
            for j in (0..self.n()).filter(|&j| j != r) {
                k.send(replica_node(r), replica_node(j), Msg::Gossip { versions: versions.clone() });
            }
        }
        self.gossip_pending[r] = true;
        k.schedule_in(self.cfg.replication_delay_us, Timer::AntiEntropy { replica: r as u8 });
    }

    // ---- the network's shape ---------------------------------------------------------------------------

    /// Whether no link between two replicas is cut.
    fn network_whole(&self, k: &Kernel<Msg, Timer>) -> bool {
        let n = self.n();
        (0..n).all(|i| (i + 1..n).all(|j| !k.net.is_cut(replica_node(i), replica_node(j))))
    }

    /// The cut replica links, as "r1–r3, r2–r3".
    fn cut_text(&self, k: &Kernel<Msg, Timer>) -> String {
        let n = self.n();
        let site_cut = site_replicas(Site::A, n)
            .iter()
            .all(|&i| site_replicas(Site::B, n).iter().all(|&j| k.net.is_cut(replica_node(i), replica_node(j))));
        let mut cut = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                if k.net.is_cut(replica_node(i), replica_node(j)) {
                    cut.push(format!("r{}–r{}", i + 1, j + 1));
                }
            }
        }
        if site_cut && cut.len() == site_replicas(Site::A, n).len() * site_replicas(Site::B, n).len() {
            "sites a | b".into()
        } else {
            cut.join(", ")
        }
    }

    /// After any fault: a new network epoch, and the partition span and convergence clock kept up to date.
    fn network_changed(&mut self, k: &mut Kernel<Msg, Timer>) {
        let now = k.now();
        self.net_epoch += 1;
        self.obs.narrated_siblings = false;
        let whole = self.network_whole(k);
        match (self.split_since, whole) {
            (None, false) => {
                self.split_since = Some(now);
                let label = self.cut_text(k);
                self.obs.spans.push((now, None, label));
                if self.obs.spans.len() > 64 {
                    self.obs.spans.remove(0);
                }
                self.obs.network.set(now, 1.0);
            }
            (Some(_), false) => {
                // Still split, perhaps differently: the span's label follows.
                let label = self.cut_text(k);
                if let Some(last) = self.obs.spans.last_mut() {
                    last.2 = label;
                }
            }
            (Some(since), true) => {
                self.split_since = None;
                if let Some(last) = self.obs.spans.last_mut() {
                    last.1 = Some(now);
                }
                self.obs.network.set(now, 0.0);
                self.obs.last_heal = Some(now);
                self.obs.converge_ms = None;
                self.obs.converging = Some((now, self.obs.acked));
                k.emit(
                    "partition",
                    format!(
                        "network whole again after {:.2} s apart: {}",
                        (now - since) as f64 / 1e6,
                        match self.cfg.mode {
                            Mode::Cp => "the minority side reaches a majority again, and the next writes reach every replica",
                            Mode::Quorum => "quorums can form across the sites again; replicas that missed writes catch up only as newer ones arrive",
                            Mode::Ap => "anti-entropy now carries each side's writes to the other",
                        }
                    ),
                    vec![("apart_s", Field::from((now - since) as f64 / 1e6))],
                );
                self.check_converged(k);
            }
            (None, true) => {}
        }
    }

    /// Cuts (or heals) every link between the two sites, replicas and clients alike.
    fn cut_sites(&mut self, k: &mut Kernel<Msg, Timer>, cut: bool) {
        let n = self.n();
        let a: Vec<NodeId> = self.site_nodes(Site::A);
        let b: Vec<NodeId> = self.site_nodes(Site::B);
        let was_cut = a.iter().any(|&x| b.iter().any(|&y| k.net.is_cut(x, y)));
        for &x in &a {
            for &y in &b {
                if cut {
                    k.cut(x, y);
                } else {
                    k.heal(x, y);
                }
            }
        }
        let names = |s| site_replicas(s, n).iter().map(|i| format!("r{}", i + 1)).collect::<Vec<_>>().join(", ");
        let text = if cut {
            format!(
                "PARTITION: every link between site a ({}, the majority) and site b ({}) is cut; messages between them are lost. {}",
                names(Site::A),
                names(Site::B),
                match self.cfg.mode {
                    Mode::Cp =>
                        "Under cp site b cannot reach a majority: its operations will fail or time out, while site a keeps answering.",
                    Mode::Quorum => "Under quorum each side answers only what its replicas alone can gather.",
                    Mode::Ap => "Under ap both sides keep answering from their own replicas, and start to diverge.",
                }
            )
        } else if was_cut {
            "HEAL: the links between the sites are back".to_string()
        } else {
            "heal: no link between the sites was cut".to_string()
        };
        k.emit("partition", text, vec![("cut", Field::from(cut.to_string()))]);
    }

    /// Every node of a site: its replicas, then its clients.
    pub(super) fn site_nodes(&self, site: Site) -> Vec<NodeId> {
        let mut v: Vec<NodeId> = site_replicas(site, self.n()).into_iter().map(replica_node).collect();
        v.extend((0..self.cfg.clients).filter(|&c| client_site(c) == site).map(client_node));
        v
    }

    fn crash_replica(&mut self, k: &mut Kernel<Msg, Timer>, r: usize) {
        let replica = &mut self.replicas[r];
        if !replica.up {
            return;
        }
        replica.up = false;
        let lost = replica.coordinating.len();
        replica.coordinating.clear();
        k.emit(
            "fault",
            format!(
                "r{} DOWN: it answers nothing; its stored versions survive on disk, the {lost} operations it was coordinating are lost (their clients will time out)",
                r + 1
            ),
            vec![("node", Field::from(format!("r{}", r + 1)))],
        );
    }

    fn restart_replica(&mut self, k: &mut Kernel<Msg, Timer>, r: usize) {
        if self.replicas[r].up {
            return;
        }
        self.replicas[r].up = true;
        let held = self.replicas[r].values();
        k.emit(
            "fault",
            format!(
                "r{} back UP with what it had stored ({})",
                r + 1,
                if held.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("value {}", held.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" | "))
                }
            ),
            vec![("node", Field::from(format!("r{}", r + 1)))],
        );
        self.check_converged(k);
    }
}

impl crate::kernel::Model for CapModel {
    type Msg = Msg;
    type Timer = Timer;
    const INVARIANTS: &'static [InvariantSpec] = INVARIANTS;

    fn start(&mut self, k: &mut Kernel<Msg, Timer>) {
        k.schedule_in(SAMPLE_US, Timer::Sample);
        for c in 0..MAX_CLIENTS {
            self.think(k, c);
        }
        if self.cfg.mode == Mode::Ap {
            self.start_gossip(k);
        }
    }

    fn on_message(&mut self, k: &mut Kernel<Msg, Timer>, env: Envelope<Msg>) {
        if let Some(c) = client_of(env.to) {
            if let Msg::Response { op, answer } = env.payload {
                self.on_response(k, c, op, answer);
            }
            return;
        }
        let Some(r) = replica_of(env.to).filter(|&r| r < self.n() && self.replicas[r].up) else { return };
        let from = env.from;
        match env.payload {
            Msg::Request { op, req } => {
                if let Some(c) = client_of(from) {
                    self.on_request(k, r, c as u8, op, req);
                }
            }
            Msg::Query { op } => {
                let versions = self.replicas[r].versions.clone();
                k.send(env.to, from, Msg::QueryReply { op, versions });
            }
            Msg::QueryReply { op, versions } => {
                if let Some(j) = replica_of(from) {
                    self.on_query_reply(k, r, j, op, versions);
                }
            }
            Msg::Store { op, version } => {
                self.store_at(k, r, version);
                k.send(env.to, from, Msg::StoreAck { op });
            }
            Msg::StoreAck { op } => {
                if let Some(j) = replica_of(from) {
                    self.on_store_ack(k, r, j, op);
                }
            }
            Msg::Replicate { version } => self.store_at(k, r, version),
            Msg::Gossip { versions } => {
                for v in versions {
                    self.store_at(k, r, v);
                }
            }
            Msg::Response { .. } => {}
        }
    }

    fn on_timer(&mut self, k: &mut Kernel<Msg, Timer>, timer: Timer) {
        match timer {
            Timer::Think { client } => self.on_think(k, client as usize),
            Timer::ClientTimeout { client, op } => self.on_client_timeout(k, client as usize, op),
            Timer::Deadline { replica, op } => {
                if self.replicas[replica as usize].up {
                    self.on_deadline(k, replica as usize, op);
                }
            }
            Timer::Replicate { replica, version, targets } => {
                let r = replica as usize;
                // A coordinator that crashed meanwhile forgot what it still had to send.
                if self.replicas[r].up {
                    for j in (0..self.n()).filter(|j| targets & (1 << j) != 0) {
                        if j == r {
                            self.store_at(k, r, version);
                        } else {
                            k.send(replica_node(r), replica_node(j), Msg::Replicate { version });
                        }
                    }
                }
            }
            Timer::AntiEntropy { replica } => self.on_anti_entropy(k, replica as usize),
            Timer::Sample => {
                self.sample(k);
                k.schedule_in(SAMPLE_US, Timer::Sample);
            }
        }
    }

    fn on_action(&mut self, k: &mut Kernel<Msg, Timer>, action: &ActionKind, params: &Params) {
        match action {
            ActionKind::Set { .. } => {
                self.apply_config(k, params);
                return;
            }
            ActionKind::Trigger { name } if name == "partition" => self.cut_sites(k, true),
            ActionKind::Trigger { name } if name == "heal" => self.cut_sites(k, false),
            ActionKind::Trigger { name } => {
                k.emit("fault", format!("unknown trigger '{name}' ignored"), vec![]);
                return;
            }
            ActionKind::Crash { node } | ActionKind::Restart { node } => {
                let crash = matches!(action, ActionKind::Crash { .. });
                for id in self.node_ids(node) {
                    match (replica_of(id), client_of(id), crash) {
                        (Some(r), _, true) => self.crash_replica(k, r),
                        (Some(r), _, false) => self.restart_replica(k, r),
                        (_, Some(c), true) if self.clients[c].up => {
                            self.crash_client(k, c);
                            k.emit("fault", format!("c{} DOWN: it stops sending operations", c + 1), vec![]);
                        }
                        (_, Some(c), false) if !self.clients[c].up => {
                            self.restart_client(k, c);
                            k.emit("fault", format!("c{} back UP", c + 1), vec![]);
                        }
                        _ => {}
                    }
                }
            }
            ActionKind::Cut { .. } | ActionKind::Heal { .. } => {}
        }
        self.network_changed(k);
    }

    fn check_invariants(&self, k: &mut Kernel<Msg, Timer>) {
        let o = &self.obs;
        let counted = o.n_writes_ok + o.n_writes_failed + o.n_writes_unknown + o.n_reads_ok + o.n_reads_failed;
        k.check(Inv::OpsUnaccounted as usize, counted == o.n_ops && o.n_ops + o.pending.len() as u64 == self.next_op);
    }

    fn node_ids(&self, name: &str) -> Vec<NodeId> {
        let numbered = |prefix: &str, count: usize| {
            name.strip_prefix(prefix)
                .and_then(|x| x.parse::<usize>().ok())
                .filter(|i| (1..=count).contains(i))
                .map(|i| i - 1)
        };
        match name {
            "site_a" => self.site_nodes(Site::A),
            "site_b" => self.site_nodes(Site::B),
            _ => {
                if let Some(r) = numbered("r", self.n()) {
                    vec![replica_node(r)]
                } else if let Some(c) = numbered("c", self.cfg.clients) {
                    vec![client_node(c)]
                } else {
                    Vec::new()
                }
            }
        }
    }
}
