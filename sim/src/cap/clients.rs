//! Closed-loop clients: each thinks (an exponential time of mean 1/`op_rate`), invokes one operation at
//! its coordinator, waits for the answer, and thinks again.
//!
//! A client's operation is a write with probability `write_share` (of the next value, 1, 2, 3, … in the
//! order writes are invoked) or else a read. If no answer comes within the coordinator's deadline plus a
//! grace period, the client gives up: a write is then of *unknown* outcome (it may have taken effect), a
//! read simply failed (a read changes nothing). Each client draws from its own streams, so changing one
//! client's luck never reshuffles another's.

use crate::kernel::{Kernel, RngStream};

use super::model::CapModel;
use super::observer::Completion;
use super::protocol::{Answer, CLIENT_GRACE_US, Msg, Request, Timer, client_node, coordinator_of, replica_node};

#[derive(Clone, Debug)]
pub struct Client {
    /// False while crashed.
    pub up: bool,
    /// A think timer is pending.
    pub thinking: bool,
    /// The operation it waits for.
    pub pending: Option<u64>,
    think_rng: RngStream,
    kind_rng: RngStream,
}

impl Client {
    pub fn new(seed: u64, idx: usize) -> Self {
        Client {
            up: true,
            thinking: false,
            pending: None,
            think_rng: RngStream::indexed(seed, "client.think", idx as u64),
            kind_rng: RngStream::indexed(seed, "client.kind", idx as u64),
        }
    }
}

impl CapModel {
    /// Schedules client `c`'s next operation, if it is up, within the configured count and idle.
    pub(super) fn think(&mut self, k: &mut Kernel<Msg, Timer>, c: usize) {
        let rate = self.cfg.op_rate;
        let client = &mut self.clients[c];
        if !client.up || client.thinking || client.pending.is_some() || c >= self.cfg.clients || rate <= 0.0 {
            return;
        }
        client.thinking = true;
        let gap = client.think_rng.exp_micros(1e6 / rate).max(1);
        k.schedule_in(gap, Timer::Think { client: c as u8 });
    }

    pub(super) fn on_think(&mut self, k: &mut Kernel<Msg, Timer>, c: usize) {
        self.clients[c].thinking = false;
        if !self.clients[c].up || c >= self.cfg.clients || self.clients[c].pending.is_some() {
            return; // stopped: crashed, or no longer among the configured clients
        }
        let write = self.clients[c].kind_rng.chance_ppm(self.cfg.write_share_ppm);
        let op = self.next_op;
        self.next_op += 1;
        let req = if write {
            self.next_value += 1;
            Request::Write(self.next_value)
        } else {
            Request::Read
        };
        self.clients[c].pending = Some(op);
        let coordinator = coordinator_of(c, self.n());
        self.on_invoke(k, op, c, req);
        k.send(client_node(c), replica_node(coordinator), Msg::Request { op, req });
        k.schedule_in(self.cfg.op_timeout_us + CLIENT_GRACE_US, Timer::ClientTimeout { client: c as u8, op });
    }

    pub(super) fn on_response(&mut self, k: &mut Kernel<Msg, Timer>, c: usize, op: u64, answer: Answer) {
        if self.clients[c].pending != Some(op) || !self.clients[c].up {
            return; // it gave up already: a late answer
        }
        self.finish(k, c, op, Completion::Answered(answer));
    }

    pub(super) fn on_client_timeout(&mut self, k: &mut Kernel<Msg, Timer>, c: usize, op: u64) {
        if self.clients[c].pending == Some(op) {
            self.finish(k, c, op, Completion::NoAnswer);
        }
    }

    /// A client crashes: its operation in progress ends with no answer (unknown for a write).
    pub(super) fn crash_client(&mut self, k: &mut Kernel<Msg, Timer>, c: usize) {
        self.clients[c].up = false;
        if let Some(op) = self.clients[c].pending {
            self.finish(k, c, op, Completion::Crashed);
        }
    }

    pub(super) fn restart_client(&mut self, k: &mut Kernel<Msg, Timer>, c: usize) {
        self.clients[c].up = true;
        self.think(k, c);
    }

    fn finish(&mut self, k: &mut Kernel<Msg, Timer>, c: usize, op: u64, how: Completion) {
        self.clients[c].pending = None;
        self.complete(k, op, how);
        self.think(k, c);
    }
}
