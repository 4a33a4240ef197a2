//! Where every box of a topology goes, in viewBox units: pure geometry, no DOM, tested natively
//! (`cargo test -p faultline --lib`).
//!
//! Columns run left to right on a wide screen (top to bottom on a phone, where a 1,200-unit row would shrink
//! text to a few pixels); nodes of one column stack in list order. A column holding three or more nodes (a
//! row holding two or more, on a phone) draws them compact: label and badge only. The layout is computed
//! once per topology ([`TopologyView::layout_key`]) and viewport class; messages and links then read box
//! positions from it.

use faultline_sim::kernel::NodeId;
use faultline_sim::scene::{NodeView, TopologyView};

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

pub const WIDE_W: f64 = 1200.0;
pub const TALL_W: f64 = 420.0;
/// Below this viewport width the stage is laid out as a column (phone); at or above it, a row.
pub const PHONE_MAX_PX: f64 = 640.0;
/// Widest node box; boxes narrow when a row has more columns.
const MAX_NODE_W: f64 = 300.0;
/// Gap between neighbouring columns (room for the messages flying between them), and within a column.
const COLUMN_GAP: f64 = 70.0;
const COLUMN_GAP_TALL: f64 = 54.0;
const STACK_GAP: f64 = 14.0;
/// Most boxes side by side in one row of the phone layout.
const PHONE_ABREAST: usize = 2;
/// Phones: the column is at least this tall, so a three-node scene keeps long links.
const MIN_TALL_H: f64 = 600.0;
/// Room above the top boxes for their action hint ("Take down ▸").
const HINT_ROOM: f64 = 22.0;
const MARGIN: f64 = 10.0;
/// Requests fly on one side of the link's centre line, replies on the other, so the two directions read apart.
pub const LANE: f64 = 9.0;

/// Node text: sizes (viewBox units) and where it sits in the box.
pub const LABEL_PX: f64 = 20.0;
pub const LABEL_Y: f64 = 28.0;
pub const BADGE_PX: f64 = 15.5;
pub const BADGE_Y: f64 = 40.0;
pub const LINE_PX: f64 = 15.0;
pub const LINE_Y: f64 = 88.0;
pub const LINE_STEP: f64 = 19.0;
pub const TEXT_X: f64 = 14.0;
/// Text may use the box's width minus this (left inset, and the clip's inset on the right with slack).
pub const TEXT_INSET: f64 = 28.0;
/// Text shrinks down to this fraction of its size to fit; past that it would be too small to read.
const MIN_TEXT_SCALE: f64 = 0.7;
const COMPACT_H: f64 = 76.0;
const MIN_FULL_H: f64 = 136.0;

/// Box height that fits a node's detail lines (and its load bar under them); compact boxes show label
/// and badge only.
pub fn node_height(n: &NodeView, compact: bool) -> f64 {
    if compact {
        return COMPACT_H;
    }
    let last = LINE_Y + LINE_STEP * n.lines.len().saturating_sub(1) as f64;
    let h = if n.load.is_some() { last + 24.0 } else { last + 12.0 };
    h.max(MIN_FULL_H)
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

/// Font scale (≤ 1, in steps of 0.05) that fits the widest of `widths` (at scale 1) into `avail`.
pub fn fit_scale(avail: f64, widths: impl IntoIterator<Item = f64>) -> f64 {
    let w = widths.into_iter().fold(0.0, f64::max);
    if w <= avail {
        return 1.0;
    }
    ((avail / w * 20.0).floor() / 20.0).max(MIN_TEXT_SCALE)
}

/// The stage's geometry for one topology and one viewport class.
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
    /// The layout for a viewport `px` wide.
    pub fn new(px: f64, topo: &TopologyView) -> StageLayout {
        let vertical = px < PHONE_MAX_PX;
        let mut cols: Vec<u8> = topo.nodes.iter().map(|n| n.column).collect();
        cols.sort_unstable();
        cols.dedup();
        let n_cols = cols.len().max(1);
        // Nodes per column, in list order.
        let groups: Vec<Vec<usize>> = cols
            .iter()
            .map(|c| topo.nodes.iter().enumerate().filter(|(_, n)| n.column == *c).map(|(i, _)| i).collect())
            .collect();
        let mut boxes = vec![Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }; topo.nodes.len()];
        let mut compact = vec![false; topo.nodes.len()];
        let (vb_w, vb_h);
        if vertical {
            vb_w = TALL_W;
            // Each column becomes a row; its nodes sit side by side, at most two abreast (four app servers
            // make two rows of two rather than four boxes too narrow for their names).
            let rows: Vec<&[usize]> = groups.iter().flat_map(|g| g.chunks(PHONE_ABREAST)).collect();
            let row_h: Vec<f64> = rows
                .iter()
                .map(|r| {
                    let c = r.len() >= 2;
                    r.iter().map(|&i| node_height(&topo.nodes[i], c)).fold(0.0, f64::max)
                })
                .collect();
            let n_rows = rows.len().max(1);
            let content: f64 = row_h.iter().sum::<f64>() + HINT_ROOM * n_rows as f64;
            let gap = if n_rows > 1 {
                ((MIN_TALL_H - 2.0 * MARGIN - content) / (n_rows - 1) as f64).max(COLUMN_GAP_TALL)
            } else {
                0.0
            };
            let mut y = MARGIN + HINT_ROOM;
            for (r, h) in rows.iter().zip(&row_h) {
                let k = r.len() as f64;
                let w = (vb_w - 2.0 * MARGIN - STACK_GAP * (k - 1.0)) / k;
                for (j, &i) in r.iter().enumerate() {
                    compact[i] = r.len() >= 2;
                    boxes[i] = Rect { x: MARGIN + j as f64 * (w + STACK_GAP), y, w, h: *h };
                }
                y += h + gap + HINT_ROOM;
            }
            vb_h = y - gap - HINT_ROOM + MARGIN;
        } else {
            vb_w = WIDE_W;
            let node_w = ((vb_w - 2.0 * MARGIN - COLUMN_GAP * (n_cols - 1) as f64) / n_cols as f64).min(MAX_NODE_W);
            let stacks: Vec<Vec<f64>> = groups
                .iter()
                .map(|g| {
                    let c = g.len() >= 3;
                    g.iter().map(|&i| node_height(&topo.nodes[i], c)).collect()
                })
                .collect();
            let stack_h = |hs: &Vec<f64>| hs.iter().sum::<f64>() + STACK_GAP * hs.len().saturating_sub(1) as f64;
            let tallest = stacks.iter().map(stack_h).fold(0.0, f64::max);
            vb_h = tallest + 2.0 * MARGIN + 2.0 * HINT_ROOM;
            let left = MARGIN + node_w / 2.0;
            for (j, (g, hs)) in groups.iter().zip(&stacks).enumerate() {
                let cx =
                    if n_cols > 1 { left + j as f64 / (n_cols - 1) as f64 * (vb_w - 2.0 * left) } else { vb_w / 2.0 };
                let mut y = (vb_h - stack_h(hs)) / 2.0 + HINT_ROOM / 2.0;
                for (&i, &h) in g.iter().zip(hs) {
                    compact[i] = g.len() >= 3;
                    boxes[i] = Rect { x: cx - node_w / 2.0, y, w: node_w, h };
                    y += h + STACK_GAP;
                }
            }
        }
        let mut members: Vec<(NodeId, usize)> =
            topo.nodes.iter().enumerate().flat_map(|(i, n)| n.members.iter().map(move |m| (*m, i))).collect();
        members.sort_unstable();
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
        let tx = if dx.abs() > 1e-9 { (r.w / 2.0 + 4.0) / dx.abs() } else { f64::INFINITY };
        let ty = if dy.abs() > 1e-9 { (r.h / 2.0 + 4.0) / dy.abs() } else { f64::INFINITY };
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

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_sim::scene::Tone;

    fn node(name: &str, column: u8, id: u16, lines: usize) -> NodeView {
        NodeView {
            name: name.into(),
            label: name.into(),
            column,
            members: vec![NodeId(id)],
            tone: Tone::Neutral,
            badge: None,
            lines: vec!["x".into(); lines],
            load: None,
            actions: vec![],
        }
    }

    fn topo(nodes: Vec<NodeView>) -> TopologyView {
        TopologyView { nodes, links: vec![] }
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

    #[test]
    fn columns_run_left_to_right_and_stack_without_overlap() {
        let mut nodes = vec![node("clients", 0, 0, 2)];
        nodes.extend((0..8).map(|i| node(&format!("app{}", i + 1), 1, 3 + i, 2)));
        nodes.push(node("cache", 2, 1, 3));
        nodes.push(node("database", 2, 2, 2));
        let t = topo(nodes);
        for px in [1280.0, 720.0, 390.0] {
            let l = StageLayout::new(px, &t);
            assert_sane(&l, &format!("{px} px"));
            if px >= PHONE_MAX_PX {
                assert!(l.boxes[0].x < l.boxes[1].x && l.boxes[1].x < l.boxes[9].x, "{px}: columns left to right");
                assert!(l.compact[1] && !l.compact[0] && !l.compact[9], "{px}: only the crowded column is compact");
                assert!(l.boxes[9].y < l.boxes[10].y, "{px}: cache above database");
            } else {
                assert!(l.boxes[0].y < l.boxes[1].y && l.boxes[1].y < l.boxes[9].y, "{px}: columns top to bottom");
            }
        }
    }

    #[test]
    fn every_member_maps_to_its_box_and_lanes_leave_the_boxes() {
        let mut group = node("apps", 1, 3, 1);
        group.members = (3..23).map(NodeId).collect();
        let t = topo(vec![node("clients", 0, 0, 1), group, node("cache", 2, 1, 1)]);
        let l = StageLayout::new(1280.0, &t);
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
    fn text_fits_by_shrinking_down_to_a_floor() {
        assert_eq!(fit_scale(100.0, [80.0]), 1.0);
        assert_eq!(fit_scale(100.0, [125.0]), 0.8);
        assert_eq!(fit_scale(100.0, [1000.0]), MIN_TEXT_SCALE);
        assert!(text_width("MMMM", 10.0, false) > text_width("iiii", 10.0, false));
    }
}
