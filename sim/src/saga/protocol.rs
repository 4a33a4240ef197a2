//! What travels between the saga's participants, and who they are.
//!
//! Four services each run one local transaction of an order and know how to undo it:
//!
//! | step        | local transaction       | compensation    | business failure |
//! |-------------|-------------------------|-----------------|------------------|
//! | `order`     | create the pending order | cancel it      | (never fails)    |
//! | `payment`   | charge the customer      | refund         | card declined    |
//! | `inventory` | reserve stock            | release it     | out of stock     |
//! | `shipping`  | book a courier           | cancel booking | no courier       |
//!
//! Two protocols drive the same services:
//!
//! ```text
//! orchestration:  orchestrator ─Command(step, attempt)─▶ service ─Reply(ok?)─▶ orchestrator
//!                 orchestrator ─Compensate(step, attempt)─▶ service ─CompReply(ok?)─▶ orchestrator
//! choreography:   service ─Publish(event)─▶ bus ─Deliver(event)─▶ each subscriber
//!                 OrderCreated → payment · PaymentCharged → inventory · StockReserved → shipping
//!                 PaymentFailed/PaymentRefunded → order · InventoryFailed/StockReleased → payment
//!                 ShippingFailed → inventory
//! ```
//!
//! Every message carries the saga's [`SagaRef`] (its number, the order's amount and quantity, and the pivot
//! of the workflow it started under), and nothing else a real message would not carry: a business outcome
//! is decided by the service when it runs the transaction, never written into the message.
//!
//! ```
//! use faultline_sim::saga::protocol::{Step, subscribers, EventKind};
//! assert_eq!(Step::Payment.prev(), Some(Step::Order));
//! assert_eq!(subscribers(EventKind::Failed(Step::Inventory)), Some((Step::Payment, true))); // compensate
//! ```

use crate::kernel::NodeId;

pub const ORCHESTRATOR: NodeId = NodeId(0);
/// Services are nodes 1..=4, in step order.
pub const FIRST_SERVICE: u16 = 1;
pub const BUS: NodeId = NodeId(5);

/// One-way network latency (median; log-normal, σ = 0.2) on every link.
pub const LINK_LATENCY_US: u64 = 25_000;
pub const LINK_SIGMA: f64 = 0.2;
/// Local-transaction time spread (log-normal σ around `step_latency_ms`).
pub const TX_SIGMA: f64 = 0.3;
/// A step past the pivot fails an attempt with at most this probability, so its forward retries end.
pub const MAX_RETRIABLE_FAILURE: f64 = 0.95;
/// Backoff doubles per failed attempt up to this many doublings (base × 32).
pub const MAX_BACKOFF_DOUBLINGS: u32 = 5;

/// A step of the order saga, in execution order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Order,
    Payment,
    Inventory,
    Shipping,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Order, Step::Payment, Step::Inventory, Step::Shipping];

    pub fn index(self) -> usize {
        self as usize
    }
    pub fn from_index(i: usize) -> Option<Step> {
        Step::ALL.get(i).copied()
    }
    pub fn name(self) -> &'static str {
        match self {
            Step::Order => "order",
            Step::Payment => "payment",
            Step::Inventory => "inventory",
            Step::Shipping => "shipping",
        }
    }
    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
    pub fn prev(self) -> Option<Step> {
        self.index().checked_sub(1).and_then(Step::from_index)
    }
    pub fn next(self) -> Option<Step> {
        Step::from_index(self.index() + 1)
    }
    pub fn node(self) -> NodeId {
        NodeId(FIRST_SERVICE + self as u16)
    }
    pub fn of_node(node: NodeId) -> Option<Step> {
        node.0.checked_sub(FIRST_SERVICE).and_then(|i| Step::from_index(i as usize))
    }
    /// The local transaction, as a command ("charge").
    pub fn command(self) -> &'static str {
        match self {
            Step::Order => "create order",
            Step::Payment => "charge",
            Step::Inventory => "reserve stock",
            Step::Shipping => "book courier",
        }
    }
    /// The local transaction, done ("charged").
    pub fn done(self) -> &'static str {
        match self {
            Step::Order => "order created",
            Step::Payment => "charged",
            Step::Inventory => "stock reserved",
            Step::Shipping => "courier booked",
        }
    }
    /// Its business failure ("declined").
    pub fn failure(self) -> &'static str {
        match self {
            Step::Order => "order refused",
            Step::Payment => "card declined",
            Step::Inventory => "out of stock",
            Step::Shipping => "no courier",
        }
    }
    /// The compensation, as a command ("refund").
    pub fn undo(self) -> &'static str {
        match self {
            Step::Order => "cancel order",
            Step::Payment => "refund",
            Step::Inventory => "release stock",
            Step::Shipping => "cancel courier",
        }
    }
    /// The compensation, done ("refunded").
    pub fn undone(self) -> &'static str {
        match self {
            Step::Order => "order cancelled",
            Step::Payment => "refunded",
            Step::Inventory => "stock released",
            Step::Shipping => "courier cancelled",
        }
    }
}

/// How a saga is coordinated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    Orchestration,
    Choreography,
}

impl Mode {
    pub fn from_name(s: &str) -> Self {
        if s == "choreography" { Mode::Choreography } else { Mode::Orchestration }
    }
    pub fn name(self) -> &'static str {
        match self {
            Mode::Orchestration => "orchestration",
            Mode::Choreography => "choreography",
        }
    }
}

/// What every message of a saga carries: the order, and the workflow it started under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SagaRef {
    pub id: u64,
    /// What the customer pays, in dollars.
    pub amount: u32,
    /// Units of stock the order reserves.
    pub qty: u8,
    /// The pivot of this saga's workflow (fixed when it starts): steps after it only go forward.
    pub pivot: Option<Step>,
}

impl SagaRef {
    /// A step after the pivot is retried forward until it succeeds, never compensated.
    pub fn retriable(&self, step: Step) -> bool {
        self.pivot.is_some_and(|p| step > p)
    }
}

/// A choreography event, named by the step that published it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// OrderCreated, PaymentCharged, StockReserved, CourierBooked.
    Done(Step),
    /// PaymentFailed, InventoryFailed, ShippingFailed (a failure at or before the pivot).
    Failed(Step),
    /// OrderCancelled, PaymentRefunded, StockReleased.
    Compensated(Step),
}

impl EventKind {
    pub fn label(self) -> String {
        match self {
            EventKind::Done(s) => s.done().to_string(),
            EventKind::Failed(s) => s.failure().to_string(),
            EventKind::Compensated(s) => s.undone().to_string(),
        }
    }
}

/// Who the bus delivers an event to: (service, whether it triggers its compensation). The events of the
/// last step done (the saga committed) and of the order cancelled (it is compensated) have no subscriber.
pub fn subscribers(event: EventKind) -> Option<(Step, bool)> {
    match event {
        EventKind::Done(s) => s.next().map(|n| (n, false)),
        EventKind::Failed(s) | EventKind::Compensated(s) => s.prev().map(|p| (p, true)),
    }
}

#[derive(Clone, Debug, Hash)]
pub enum Msg {
    /// Orchestrator → service: run your local transaction (attempt n of it).
    Command { saga: SagaRef, step: Step, attempt: u16 },
    /// Service → orchestrator: it committed (`ok`) or failed.
    Reply { saga: SagaRef, step: Step, attempt: u16, ok: bool },
    /// Orchestrator → service: undo your local transaction.
    Compensate { saga: SagaRef, step: Step, attempt: u16 },
    /// Service → orchestrator: undone (`ok`) or failed this time (it will be asked again).
    CompReply { saga: SagaRef, step: Step, attempt: u16, ok: bool },
    /// Service → bus.
    Publish { saga: SagaRef, event: EventKind },
    /// Bus → subscriber.
    Deliver { saga: SagaRef, event: EventKind },
}

impl Msg {
    pub fn saga(&self) -> &SagaRef {
        match self {
            Msg::Command { saga, .. }
            | Msg::Reply { saga, .. }
            | Msg::Compensate { saga, .. }
            | Msg::CompReply { saga, .. }
            | Msg::Publish { saga, .. }
            | Msg::Deliver { saga, .. } => saga,
        }
    }
}

/// A local transaction in progress at a service: what it does, for which saga, attempt and protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Work {
    Forward { saga: SagaRef, attempt: u16, via: Mode },
    Compensate { saga: SagaRef, attempt: u16, via: Mode },
}

#[derive(Clone, Debug, Hash)]
pub enum Timer {
    /// A new order arrives.
    Arrival,
    /// A service's local transaction ends (rolled back if the service crashed meanwhile: `epoch`).
    TxDone { service: Step, work: Work, epoch: u32 },
    /// Choreography: a service's own retry of its local transaction or compensation after a backoff.
    ServiceRetry { service: Step, saga: SagaRef, compensation: bool, attempt: u16 },
    /// The orchestrator's retry timer for a saga (lost with its memory on a crash: `incarnation`).
    OrchestratorRetry { saga: u64, incarnation: u32 },
}

/// The backoff before attempt `attempt` (≥ 1): base × 2^(attempt − 1), doubling at most
/// [`MAX_BACKOFF_DOUBLINGS`] times.
pub fn backoff_us(base_us: u64, attempt: u16) -> u64 {
    let doublings = (attempt.max(1) as u32 - 1).min(MAX_BACKOFF_DOUBLINGS);
    base_us.saturating_mul(1 << doublings)
}
