//! The state-machine diagram (the breaker's CLOSED / HALF_OPEN / OPEN) with the live state lit: a lit
//! state gets its tone's colour, a thick border and a symbol, so it reads without colour too.

use faultline_sim::scene::MachineView;
use leptos::prelude::*;

use crate::core::palette::{colour, symbol, tint};
use crate::session::Session;

const W: f64 = 540.0;
const H: f64 = 182.0;
const BOX_W: f64 = 128.0;
const BOX_H: f64 = 34.0;

fn positions(n: usize) -> Vec<(f64, f64)> {
    if n == 3 {
        // The textbook triangle: CLOSED and OPEN below, HALF_OPEN between them above.
        vec![(82.0, 108.0), (270.0, 34.0), (458.0, 108.0)]
    } else {
        (0..n).map(|i| (70.0 + i as f64 * (W - 140.0) / (n.max(2) - 1) as f64, 80.0)).collect()
    }
}

fn clip_to_box(c: (f64, f64), toward: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (toward.0 - c.0, toward.1 - c.1);
    let tx = if dx.abs() > 1e-9 { (BOX_W / 2.0 + 3.0) / dx.abs() } else { f64::INFINITY };
    let ty = if dy.abs() > 1e-9 { (BOX_H / 2.0 + 3.0) / dy.abs() } else { f64::INFINITY };
    let t = tx.min(ty).min(1.0);
    (c.0 + dx * t, c.1 + dy * t)
}

#[component]
pub fn Machine(session: Session) -> impl IntoView {
    let machine = Memo::new(move |_| session.stage.with(|s| s.machine.clone()));
    move || {
        match machine.get() {
        None => view! {
            <div class="machine machine-off"><p class="muted">"No state machine in this configuration (for the circuit breaker: breaker = off)."</p></div>
        }
        .into_any(),
        Some(m) => diagram(m).into_any(),
    }
    }
}

fn diagram(m: MachineView) -> impl IntoView {
    let pos = positions(m.states.len());
    let (current, tone) = (m.states[m.current].0, m.states[m.current].1);
    let edges = m
        .edges
        .iter()
        .map(|&(a, b, label)| {
            let (pa, pb) = (pos[a], pos[b]);
            let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            // Bend to the right of travel, so a→b and b→a curve apart.
            let (nx, ny) = (-dy / len, dx / len);
            let bend = 18.0 + 0.12 * len;
            let ctrl = ((pa.0 + pb.0) / 2.0 + nx * bend, (pa.1 + pb.1) / 2.0 + ny * bend);
            let (s, e) = (clip_to_box(pa, ctrl), clip_to_box(pb, ctrl));
            let mid = (0.25 * s.0 + 0.5 * ctrl.0 + 0.25 * e.0, 0.25 * s.1 + 0.5 * ctrl.1 + 0.25 * e.1);
            let (lx, ly) = (mid.0 + nx * 10.0, mid.1 + ny * 10.0 + 4.0);
            let anchor = if nx > 0.3 {
                "start"
            } else if nx < -0.3 {
                "end"
            } else {
                "middle"
            };
            let ly = if ny > 0.5 { ly + 6.0 } else { ly };
            let lit = a == m.current;
            view! {
                <g class="edge" class:from-current=lit>
                    <path d=format!("M{:.1},{:.1}Q{:.1},{:.1} {:.1},{:.1}", s.0, s.1, ctrl.0, ctrl.1, e.0, e.1)
                        marker-end="url(#arrow)"></path>
                    <text x=lx y=ly text-anchor=anchor>{label}</text>
                </g>
            }
        })
        .collect::<Vec<_>>();
    let states = m
        .states
        .iter()
        .enumerate()
        .map(|(i, &(name, t))| {
            let (x, y) = pos[i];
            let lit = i == m.current;
            let text = if lit { format!("{} {}", symbol(t), name) } else { name.to_string() };
            view! {
                <g class="state" class:lit=lit>
                    <rect x=x - BOX_W / 2.0 y=y - BOX_H / 2.0 width=BOX_W height=BOX_H rx="17"
                        fill=if lit { tint(t) } else { "#fff" } stroke=if lit { colour(t) } else { "#c4c9d2" }
                        stroke-width=if lit { "3" } else { "1.5" }></rect>
                    <text x=x y=y + 5.0 text-anchor="middle">{text}</text>
                </g>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="machine">
            <p class="machine-title">{m.title}": "
                <strong class="machine-state" data-testid="machine-state" style:background=tint(tone) style:border-color=colour(tone)>{current}</strong>
            </p>
            <svg viewBox=format!("0 0 {W} {H}") role="img"
                aria-label=format!("{} diagram; current state {}", m.title, current)>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0L10,5L0,10Z" fill="#6b7280"></path>
                    </marker>
                </defs>
                {edges}
                {states}
            </svg>
        </div>
    }
}
