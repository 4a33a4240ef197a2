//! Where every box, token and gate of a topology goes: pure geometry, no DOM, tested natively
//! (`cargo test -p faultline --lib`).
//!
//! One unit of the viewBox is one CSS pixel of the stage's width (the layout is recomputed when that width
//! changes), so text keeps its size in an embed or on a phone instead of shrinking with the stage. Columns
//! run left to right on a wide stage (top to bottom on a phone, where a row would be too narrow); nodes of
//! one column stack in list order. A column holding three or more nodes draws them compact: label, badge and
//! one strip of work tokens (or, without work, its first line). Work in progress is a pile of tokens inside
//! the box, one per unit up to what the box holds, with the capacity drawn as empty slots.

use faultline_sim::kernel::NodeId;
use faultline_sim::kernel::sort_stable_by;
use faultline_sim::scene::{NodeView, TopologyView, WorkView};

/// A box, top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// Below this stage width the layout is a column (phone); at or above it, a row.
pub const PHONE_MAX_PX: f64 = 480.0;
/// Narrowest stage laid out (a narrower one scales down a little).
pub const MIN_STAGE_PX: f64 = 320.0;
/// Widest node box; boxes narrow when a row has more columns, down to the narrowest that keeps node text
/// legible — past that the stage is laid out as a column, as on a phone.
const MAX_NODE_W: f64 = 270.0;
const MIN_NODE_W: f64 = 140.0;
/// Gap between neighbouring columns (room for the messages between them), and within a column.
const COLUMN_GAP: f64 = 64.0;
const ROW_GAP_TALL: f64 = 44.0;
const ROW_GAP_TALL_GATE: f64 = 110.0;
const STACK_GAP: f64 = 10.0;
/// Most boxes side by side in one row of the phone layout.
const PHONE_ABREAST: usize = 2;
/// Room below the boxes for a gate's window and caption (only on stages with a gate).
const GATE_ROOM: f64 = 24.0;
const MARGIN: f64 = 6.0;
/// A gate's window strip: pitch between slots, and the room around strip and caption in its gap.
pub const GATE_SLOT_PITCH: f64 = 7.0;
const GATE_GAP_PAD: f64 = 24.0;
/// Requests fly on one side of the link's centre line, replies on the other, so the two directions read apart.
pub const LANE: f64 = 6.0;

/// Node text, in CSS px (never below 12 px where it is read).
pub const LABEL_PX: f64 = 16.0;
pub const LABEL_Y: f64 = 22.0;
pub const BADGE_PX: f64 = 13.0;
pub const BADGE_Y: f64 = 30.0;
pub const BADGE_H: f64 = 22.0;
pub const LINE_PX: f64 = 13.0;
pub const LINE_Y: f64 = 70.0;
pub const LINE_STEP: f64 = 17.0;
pub const TEXT_X: f64 = 10.0;
pub const COMPACT_LABEL_Y: f64 = 19.0;
/// Text may use the box's width minus this.
pub const TEXT_INSET: f64 = 20.0;
/// Text shrinks down to this size (CSS px) to fit; past that it is clipped rather than made unreadable.
pub const MIN_TEXT_PX: f64 = 12.0;
/// Work tokens: largest and smallest pitch between centres (a pile packs its tokens tighter to save a row).
pub const TOKEN_PITCH: f64 = 13.0;
const MIN_TOKEN_PITCH: f64 = 10.5;
/// Most token rows in a full box's pile.
const MAX_PILE_ROWS: usize = 4;
const PAD: f64 = 10.0;

/// How a pile of work tokens is drawn in a box of a given width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pile {
    /// Distance between token centres, and each token's radius.
    pub pitch: f64,
    pub radius: f64,
    pub cols: usize,
    pub rows: usize,
    /// Slots drawn: the capacity or the work, whichever is larger, up to what fits.
    pub slots: usize,
    /// Work beyond what fits, written as "+N" after the last slot.
    pub hidden: u32,
    /// The most slots this box can ever show (its columns at the tightest pitch × its rows), whatever the
    /// work: the widget builds that many elements once and shows what the pile needs.
    pub most: usize,
}

/// The pile for `work` in a box `w` wide with at most `max_rows` rows of tokens: as few rows as a pitch
/// down to [`MIN_TOKEN_PITCH`] allows, at the largest pitch that keeps that many.
pub fn pile(work: &WorkView, w: f64, max_rows: usize) -> Pile {
    let room = (w - 2.0 * PAD).max(MIN_TOKEN_PITCH);
    let wanted = work.capacity.unwrap_or(0).max(work.total()) as usize;
    let cols_at = |p: f64| ((room / p).floor() as usize).max(1);
    let fewest_rows = wanted.div_ceil(cols_at(MIN_TOKEN_PITCH)).clamp(1, max_rows);
    let pitch = (room / wanted.div_ceil(fewest_rows).max(1) as f64).clamp(MIN_TOKEN_PITCH, TOKEN_PITCH);
    let cols = cols_at(pitch);
    let fit = cols * max_rows;
    // Keep room for the "+N" label at the end of the last row when not everything fits.
    let slots = if wanted <= fit { wanted } else { fit.saturating_sub(3) };
    let rows = slots.div_ceil(cols).max(1);
    Pile {
        pitch,
        radius: pitch * 0.354,
        cols,
        rows,
        slots,
        hidden: (work.total() as usize).saturating_sub(slots) as u32,
        most: cols_at(MIN_TOKEN_PITCH) * max_rows,
    }
}

/// Centre of token `i` of a pile whose first row's centres sit at `top`, from the box's left edge `x0`.
pub fn token_at(p: &Pile, x0: f64, top: f64, i: usize) -> (f64, f64) {
    let (row, col) = (i / p.cols, i % p.cols);
    (x0 + PAD + p.pitch / 2.0 + col as f64 * p.pitch, top + row as f64 * p.pitch)
}

/// Where a full box's pile starts (the first row's centres), after its lines.
pub fn pile_top(n: &NodeView) -> f64 {
    LINE_Y + LINE_STEP * n.lines.len() as f64 - 6.0
}

/// Where a compact box's single strip of tokens sits.
pub const COMPACT_PILE_TOP: f64 = 33.0;

/// What clicking a node does, as its hint ("Take down", drawn with a small arrow after it).
pub fn hint_text(n: &NodeView) -> Option<String> {
    n.actions.first().map(|a| a.label.to_string())
}

/// Width of a hint at its size (12 px bold) with its arrow and its gap to the label.
pub fn hint_width(hint: &str) -> f64 {
    text_width(hint, 12.0, true) + 20.0
}

/// Whether the hint needs a row of its own at the bottom of the box (the label's row is too narrow for both).
pub fn hint_on_own_row(n: &NodeView, w: f64, compact: bool) -> bool {
    let label_px = if compact { 14.0 } else { LABEL_PX };
    hint_text(n).is_some_and(|h| text_width(&n.label, label_px, true) + hint_width(&h) > w - TEXT_INSET)
}

/// Height of the bottom row a hint takes when it does not fit beside the label.
pub const HINT_ROW_H: f64 = 17.0;

/// Box height for a node: label, badge, detail lines and its pile (compact boxes: label, badge and one
/// strip of tokens), and a row for its hint when the label's row cannot hold it.
pub fn node_height(n: &NodeView, w: f64, compact: bool) -> f64 {
    let hint_row = if hint_on_own_row(n, w, compact) { HINT_ROW_H } else { 0.0 };
    let strip = n.work.as_ref().map(|work| pile(work, w, 1));
    if compact {
        // A strip of tokens, or (a box without work) its first line in that row.
        return if strip.is_some() || !n.lines.is_empty() { 44.0 } else { 32.0 } + hint_row;
    }
    let pile_h = n.work.as_ref().map_or(0.0, |work| {
        let p = pile(work, w, MAX_PILE_ROWS);
        p.rows as f64 * p.pitch + 4.0
    });
    (pile_top(n) + pile_h + PAD - 4.0).max(LINE_Y + PAD) + hint_row
}

/// Rows of the pile of a full box.
pub fn full_pile(work: &WorkView, w: f64) -> Pile {
    pile(work, w, MAX_PILE_ROWS)
}

/// Width of `text` at `px` in a generic sans-serif, estimated from character classes (wide fonts like
/// DejaVu Sans, so narrower system fonts only leave more room). Used to fit text into boxes.
pub fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            ' ' => 0.32,
            'i' | 'j' | 'l' | 'I' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.3,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '-' | '·' => 0.42,
            'm' | 'w' | 'M' | 'W' | '%' | '#' | '@' | '×' | '—' => 0.98,
            'A'..='Z' => 0.7,
            '0'..='9' => 0.64,
            'a'..='z' => 0.6,
            c if c.is_ascii() => 0.64,
            _ => 0.9,
        })
        .sum();
    em * px * if bold { 1.1 } else { 1.0 }
}

/// Font size that fits the widest of `texts` (measured at `px`) into `avail`, down to [`MIN_TEXT_PX`].
pub fn fit_px(avail: f64, px: f64, widths: impl IntoIterator<Item = f64>) -> f64 {
    let w = widths.into_iter().fold(0.0, f64::max);
    if w <= avail {
        return px;
    }
    (px * avail / w).max(MIN_TEXT_PX.min(px))
}

/// How wide the gap holding a gate must be: its window strip or its caption, whichever is wider.
pub fn gate_gap(gate: &faultline_sim::scene::GateView) -> f64 {
    let slots = gate.window_slots.unwrap_or(gate.window.len() as u32).clamp(gate.window.len() as u32, 40) as f64;
    let caption = text_width(&gate.caption, 12.0, false);
    let label = text_width(&format!("{} ✕ {}", gate.label, gate.state_label), 12.5, true);
    (slots * GATE_SLOT_PITCH).max(caption).max(label) + GATE_GAP_PAD
}

/// The stage's geometry for one topology at one width.
#[derive(Clone, Debug, PartialEq)]
pub struct StageLayout {
    pub vb_w: f64,
    pub vb_h: f64,
    pub vertical: bool,
    /// One box per node, in topology order.
    pub boxes: Vec<Rect>,
    pub compact: Vec<bool>,
    /// (kernel node, box index), sorted by node: every member of every box.
    members: Vec<(NodeId, usize)>,
}

impl StageLayout {
    /// The layout for a stage `px` CSS pixels wide.
    pub fn new(px: f64, topo: &TopologyView) -> StageLayout {
        let vb_w = px.max(MIN_STAGE_PX);
        let mut cols: Vec<u8> = topo.nodes.iter().map(|n| n.column).collect();
        // All distinct or equal: the stable sort gives the same order, and a bundle then holds one sort.
        sort_stable_by(&mut cols, u8::cmp);
        cols.dedup();
        let n_cols = cols.len().max(1);
        // Nodes per column, in list order.
        let groups: Vec<Vec<usize>> = cols
            .iter()
            .map(|c| topo.nodes.iter().enumerate().filter(|(_, n)| n.column == *c).map(|(i, _)| i).collect())
            .collect();
        // Gaps between neighbouring columns: wide enough for any gate sitting on a link between them.
        let col_of = |name: &str| topo.nodes.iter().find(|n| n.name == name).map(|n| n.column);
        let gaps: Vec<f64> = cols
            .windows(2)
            .map(|w| {
                topo.links
                    .iter()
                    .filter_map(|l| {
                        let (a, b) = (col_of(&l.a)?, col_of(&l.b)?);
                        let between = (a == w[0] && b == w[1]) || (a == w[1] && b == w[0]);
                        l.gate.as_ref().filter(|_| between).map(gate_gap)
                    })
                    .fold(COLUMN_GAP, f64::max)
            })
            .collect();
        let gaps_total: f64 = gaps.iter().sum();
        let row_fits = vb_w - 2.0 * MARGIN - gaps_total >= MIN_NODE_W * n_cols as f64;
        let vertical = vb_w < PHONE_MAX_PX || !row_fits;
        let mut boxes = vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; topo.nodes.len()];
        let mut compact = vec![false; topo.nodes.len()];
        let vb_h;
        if vertical {
            // Each column becomes a row; its nodes sit side by side, at most two abreast. A gate on a link between
            // two columns needs its label, strip and caption between their rows.
            let rows: Vec<(usize, &[usize])> =
                groups.iter().enumerate().flat_map(|(j, g)| g.chunks(PHONE_ABREAST).map(move |r| (j, r))).collect();
            let mut y = MARGIN;
            let mut last_col = None;
            for (j, r) in &rows {
                if let Some(prev) = last_col {
                    let gated = prev != *j && gaps.get(prev).is_some_and(|g: &f64| *g > COLUMN_GAP);
                    y += if gated { ROW_GAP_TALL_GATE } else { ROW_GAP_TALL };
                }
                last_col = Some(*j);
                let k = r.len() as f64;
                let w = (vb_w - 2.0 * MARGIN - STACK_GAP * (k - 1.0)) / k;
                let c = r.len() >= 2;
                let h = r.iter().map(|&i| node_height(&topo.nodes[i], w, c)).fold(0.0, f64::max);
                for (jj, &i) in r.iter().enumerate() {
                    compact[i] = c;
                    boxes[i] = Rect { x: MARGIN + jj as f64 * (w + STACK_GAP), y, w, h };
                }
                y += h;
            }
            vb_h = y + MARGIN;
        } else {
            let node_w = ((vb_w - 2.0 * MARGIN - gaps_total) / n_cols as f64).min(MAX_NODE_W);
            let stacks: Vec<Vec<f64>> = groups
                .iter()
                .map(|g| {
                    let c = g.len() >= 3;
                    g.iter().map(|&i| node_height(&topo.nodes[i], node_w, c)).collect()
                })
                .collect();
            let stack_h = |hs: &Vec<f64>| hs.iter().sum::<f64>() + STACK_GAP * hs.len().saturating_sub(1) as f64;
            let tallest = stacks.iter().map(stack_h).fold(0.0, f64::max);
            let gate_room = if topo.links.iter().any(|l| l.gate.is_some()) { GATE_ROOM } else { 0.0 };
            vb_h = tallest + 2.0 * MARGIN + gate_room;
            // Columns spread over the width: the slack left after boxes and gaps is shared between the gaps.
            let slack =
                if n_cols > 1 { (vb_w - 2.0 * MARGIN - node_w * n_cols as f64 - gaps_total).max(0.0) } else { 0.0 };
            let extra = if n_cols > 1 { slack / (n_cols - 1) as f64 } else { 0.0 };
            let mut x = if n_cols > 1 { MARGIN } else { (vb_w - node_w) / 2.0 };
            for (j, (g, hs)) in groups.iter().zip(&stacks).enumerate() {
                let mut y = (vb_h - gate_room - stack_h(hs)) / 2.0;
                for (&i, &h) in g.iter().zip(hs) {
                    compact[i] = g.len() >= 3;
                    boxes[i] = Rect { x, y, w: node_w, h };
                    y += h + STACK_GAP;
                }
                x += node_w + gaps.get(j).copied().unwrap_or(0.0) + extra;
            }
        }
        let mut members: Vec<(NodeId, usize)> =
            topo.nodes.iter().enumerate().flat_map(|(i, n)| n.members.iter().map(move |m| (*m, i))).collect();
        sort_stable_by(&mut members, |a, b| a.cmp(b));
        StageLayout { vb_w, vb_h, vertical, boxes, compact, members }
    }

    /// The box that holds kernel node `id` (a member of a group is drawn on the group's box).
    pub fn box_of(&self, id: NodeId) -> Option<usize> {
        self.members.binary_search_by_key(&id, |(n, _)| *n).ok().map(|k| self.members[k].1)
    }

    /// Where the segment from box `i`'s centre towards `toward` leaves the box (a little outside it).
    pub fn exit(&self, i: usize, toward: (f64, f64)) -> (f64, f64) {
        let r = self.boxes[i];
        let a = r.centre();
        let (dx, dy) = (toward.0 - a.0, toward.1 - a.1);
        let tx = if dx.abs() > 1e-9 { (r.w / 2.0 + 3.0) / dx.abs() } else { f64::INFINITY };
        let ty = if dy.abs() > 1e-9 { (r.h / 2.0 + 3.0) / dy.abs() } else { f64::INFINITY };
        let t = tx.min(ty).min(1.0);
        (a.0 + dx * t, a.1 + dy * t)
    }

    /// The ends of the link between boxes `a` and `b`.
    pub fn link_ends(&self, a: usize, b: usize) -> ((f64, f64), (f64, f64)) {
        (self.exit(a, self.boxes[b].centre()), self.exit(b, self.boxes[a].centre()))
    }

    /// Start and end of the lane a message from box `from` to box `to` flies along.
    pub fn lane(&self, from: usize, to: usize) -> Option<((f64, f64), (f64, f64))> {
        if from >= self.boxes.len() || to >= self.boxes.len() || from == to {
            return None;
        }
        let (p, q) = self.link_ends(from, to);
        let len = ((q.0 - p.0).powi(2) + (q.1 - p.1).powi(2)).sqrt().max(1e-9);
        // Left-hand side of the direction of travel: opposite directions get opposite lanes.
        let (nx, ny) = ((q.1 - p.1) / len * LANE, -(q.0 - p.0) / len * LANE);
        Some(((p.0 + nx, p.1 + ny), (q.0 + nx, q.1 + ny)))
    }
}

/// Where a message is at fraction `f` (0..1) of its flight along the lane `p → q`; a message turned back at
/// fraction `turn` of the link goes there and comes back.
pub fn message_at(p: (f64, f64), q: (f64, f64), f: f64, turn_back_at: Option<f32>) -> (f64, f64) {
    let along = match turn_back_at {
        Some(g) => g as f64 * (1.0 - (2.0 * f - 1.0).abs()),
        None => f,
    };
    (p.0 + (q.0 - p.0) * along, p.1 + (q.1 - p.1) * along)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene::{Tone, WorkGroup};

    fn node(name: &str, column: u8, id: u16, lines: usize) -> NodeView {
        NodeView {
            name: name.into(),
            label: name.into(),
            column,
            members: vec![NodeId(id)],
            tone: Tone::Neutral,
            badge: None,
            lines: vec!["x".into(); lines],
            work: None,
            actions: vec![],
        }
    }

    fn work(capacity: Option<u32>, count: u32) -> WorkView {
        WorkView {
            unit: "query".into(),
            capacity,
            groups: vec![WorkGroup { count, tone: Tone::Warn, label: "running".into() }],
        }
    }

    fn topo(nodes: Vec<NodeView>) -> TopologyView {
        TopologyView { nodes, links: vec![], legend: vec![] }
    }

    fn overlap(a: &Rect, b: &Rect) -> bool {
        a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
    }

    fn assert_sane(l: &StageLayout, what: &str) {
        for (i, a) in l.boxes.iter().enumerate() {
            assert!(
                a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.vb_w + 1e-9 && a.y + a.h <= l.vb_h + 1e-9,
                "{what}: box {i} {a:?} outside {}×{}",
                l.vb_w,
                l.vb_h
            );
            for (j, b) in l.boxes.iter().enumerate().skip(i + 1) {
                assert!(!overlap(a, b), "{what}: boxes {i} and {j} overlap: {a:?} {b:?}");
            }
        }
    }

    fn stampede_like() -> TopologyView {
        let mut nodes = vec![node("clients", 0, 0, 2)];
        nodes.extend((0..8).map(|i| node(&format!("app{}", i + 1), 1, 3 + i, 2)));
        nodes.push(node("cache", 2, 1, 3));
        let mut db = node("database", 2, 2, 1);
        db.work = Some(work(Some(50), 21));
        nodes.push(db);
        topo(nodes)
    }

    #[test]
    fn columns_run_left_to_right_and_stack_without_overlap() {
        let t = stampede_like();
        for px in [1240.0, 720.0, 520.0, 390.0] {
            let l = StageLayout::new(px, &t);
            assert_sane(&l, &format!("{px} px"));
            assert_eq!(l.vb_w, px, "one unit is one CSS pixel");
            assert_eq!(l.vertical, px < 560.0, "{px}: a row while boxes can be {MIN_NODE_W} px wide");
            if !l.vertical {
                assert!(l.boxes[0].x < l.boxes[1].x && l.boxes[1].x < l.boxes[9].x, "{px}: columns left to right");
                assert!(l.compact[1] && !l.compact[0] && !l.compact[9], "{px}: only the crowded column is compact");
                assert!(l.boxes[9].y < l.boxes[10].y, "{px}: cache above database");
            } else {
                assert!(l.boxes[0].y < l.boxes[1].y && l.boxes[1].y < l.boxes[9].y, "{px}: columns top to bottom");
            }
        }
    }

    #[test]
    fn a_gated_link_gets_room_for_its_gate_or_the_stage_becomes_a_column() {
        use faultline_sim::scene::{GateState, GateView, LinkView};
        let mut t = topo(vec![node("clients", 0, 0, 1), node("caller", 1, 1, 1), node("dependency", 2, 2, 2)]);
        let gate = GateView {
            label: "breaker".into(),
            state: GateState::Open,
            state_label: "OPEN".into(),
            at: 0.5,
            window: vec![Tone::Bad; 6],
            window_slots: Some(20),
            caption: "6/20 failed · opens at 50 %".into(),
        };
        let need = gate_gap(&gate);
        t.links.push(LinkView { a: "caller".into(), b: "dependency".into(), cut: false, gate: Some(gate) });
        let wide = StageLayout::new(720.0, &t);
        assert!(!wide.vertical);
        let gap = wide.boxes[2].x - (wide.boxes[1].x + wide.boxes[1].w);
        assert!(gap >= need - 1e-9, "the gated gap holds the gate: {gap:.0} < {need:.0}");
        assert!(gap > wide.boxes[1].x - (wide.boxes[0].x + wide.boxes[0].w), "wider than an ungated gap");
        let narrow = StageLayout::new(560.0, &t);
        assert!(narrow.vertical, "too narrow for three legible boxes and the gate: a column");
        assert_sane(&narrow, "560 px gated");
    }

    #[test]
    fn a_pile_shows_capacity_as_slots_and_overflow_as_a_count() {
        let under = pile(&work(Some(50), 21), 200.0, 4);
        assert_eq!((under.slots, under.hidden), (50, 0));
        assert_eq!((under.cols, under.rows), (17, 3), "packed tighter to save a row: {under:?}");
        assert!(under.pitch >= MIN_TOKEN_PITCH && under.pitch <= TOKEN_PITCH);
        let roomy = pile(&work(Some(10), 3), 200.0, 4);
        assert_eq!((roomy.rows, roomy.pitch), (1, TOKEN_PITCH), "no need to pack: full size");
        let over = pile(&work(Some(20), 35), 200.0, 4);
        assert_eq!((over.slots, over.hidden), (35, 0), "tokens past capacity are drawn too");
        let huge = pile(&work(Some(1000), 900), 200.0, 4);
        assert_eq!(huge.slots, huge.cols * 4 - 3);
        assert_eq!(huge.hidden as usize, 900 - huge.slots, "past what fits: a count");
        let strip = pile(&work(None, 5), 120.0, 1);
        assert_eq!((strip.rows, strip.slots), (1, 5));
        let (x, y) = token_at(&under, 0.0, 100.0, 18);
        assert!((y - (100.0 + under.pitch)).abs() < 1e-9 && x > 0.0, "token 18 is on the second row");
    }

    #[test]
    fn a_bigger_pile_makes_a_taller_box() {
        let mut db = node("database", 0, 0, 1);
        let empty = node_height(&db, 200.0, false);
        db.work = Some(work(Some(50), 0));
        let with_slots = node_height(&db, 200.0, false);
        assert!(with_slots > empty + 3.0 * MIN_TOKEN_PITCH, "{empty} → {with_slots}");
    }

    #[test]
    fn every_member_maps_to_its_box_and_lanes_leave_the_boxes() {
        let mut group = node("apps", 1, 3, 1);
        group.members = (3..23).map(NodeId).collect();
        let t = topo(vec![node("clients", 0, 0, 1), group, node("cache", 2, 1, 1)]);
        let l = StageLayout::new(1240.0, &t);
        assert_eq!(l.box_of(NodeId(17)), Some(1));
        assert_eq!(l.box_of(NodeId(1)), Some(2));
        assert_eq!(l.box_of(NodeId(99)), None);
        let (p, q) = l.lane(0, 1).unwrap();
        let (a, b) = (l.boxes[0], l.boxes[1]);
        assert!(p.0 >= a.x + a.w && q.0 <= b.x, "lane runs between the boxes: {p:?} → {q:?}");
        let back = l.lane(1, 0).unwrap();
        assert!((back.0.1 - q.1).abs() > 1.0, "the reply lane is apart from the request lane");
        assert_eq!(l.lane(1, 1), None);
    }

    #[test]
    fn a_turned_back_message_goes_to_the_gate_and_returns() {
        let (p, q) = ((0.0, 0.0), (100.0, 0.0));
        assert_eq!(message_at(p, q, 0.5, None), (50.0, 0.0));
        assert_eq!(message_at(p, q, 0.5, Some(0.25)), (25.0, 0.0));
        assert_eq!(message_at(p, q, 1.0, Some(0.25)), (0.0, 0.0));
        assert_eq!(message_at(p, q, 0.25, Some(0.25)).0, 12.5);
    }

    #[test]
    fn a_changed_topology_changes_the_layout_key() {
        let a = topo(vec![node("clients", 0, 0, 1), node("app1", 1, 3, 1)]);
        let mut b = a.clone();
        b.nodes.push(node("app2", 1, 4, 1));
        assert_ne!(a.layout_key(), b.layout_key());
        let mut c = a.clone();
        c.nodes[1].tone = Tone::Bad;
        c.nodes[1].badge = Some("DOWN".into());
        assert_eq!(a.layout_key(), c.layout_key(), "state changes do not re-lay out");
    }

    #[test]
    fn text_shrinks_to_fit_but_never_below_the_floor() {
        assert_eq!(fit_px(100.0, 16.0, [80.0]), 16.0);
        assert_eq!(fit_px(100.0, 16.0, [125.0]), 12.8);
        assert_eq!(fit_px(100.0, 16.0, [1000.0]), MIN_TEXT_PX);
        assert!(text_width("MMMM", 10.0, false) > text_width("iiii", 10.0, false));
    }
}
