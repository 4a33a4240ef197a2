//! The Machines panel's widget: each state machine of the panel (the breaker's CLOSED / HALF_OPEN / OPEN,
//! a key's life) as a diagram with the live state lit — its tone's colour, a thick border and a symbol, so
//! it reads without colour too. Any number of states, laid out around an ellipse (the first at the lower
//! left, going clockwise), so no scene's shape is built in.

use faultline_sim::scene::{MachineView, Panel};
use leptos::prelude::*;

use crate::core::palette::{colour, symbol, tint};
use crate::session::Session;
use crate::widgets::dynamic;
use crate::widgets::memo;

const W: f64 = 540.0;
const H: f64 = 182.0;
const BOX_W: f64 = 128.0;
const BOX_H: f64 = 34.0;

/// Centres of `n` states in a `W`×`H` diagram: two or fewer in a row; more around an ellipse, state 0 at
/// the lower left and the rest clockwise (three make the textbook triangle with state 1 on top).
pub fn positions(n: usize) -> Vec<(f64, f64)> {
    if n <= 2 {
        return (0..n).map(|i| (W / 2.0 + (i as f64 - (n as f64 - 1.0) / 2.0) * (W - 2.0 * BOX_W), H / 2.0)).collect();
    }
    let (cx, cy) = (W / 2.0, H / 2.0);
    let (rx, ry) = (W / 2.0 - BOX_W / 2.0 - 10.0, H / 2.0 - BOX_H / 2.0 - 14.0);
    let step = std::f64::consts::TAU / n as f64;
    (0..n)
        .map(|i| {
            let (sin, cos) = crate::core::sin_cos(std::f64::consts::FRAC_PI_2 + step - step * i as f64);
            (cx + rx * cos, cy - ry * sin)
        })
        .collect()
}

fn clip_to_box(c: (f64, f64), toward: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (toward.0 - c.0, toward.1 - c.1);
    let tx = if dx.abs() > 1e-9 { (BOX_W / 2.0 + 3.0) / dx.abs() } else { f64::INFINITY };
    let ty = if dy.abs() > 1e-9 { (BOX_H / 2.0 + 3.0) / dy.abs() } else { f64::INFINITY };
    let t = tx.min(ty).min(1.0);
    (c.0 + dx * t, c.1 + dy * t)
}

/// Every machine of the session's Machines panel (nothing when the run shows none).
#[component]
pub fn Machines(session: Session) -> impl IntoView {
    let machines = memo(move |_| {
        session.panels.with(|ps| {
            ps.iter()
                .find_map(|p| match p {
                    Panel::Machines { machines } => Some(machines.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        })
    });
    dynamic(move || machines.get().into_iter().map(|m| diagram(m).into_any()).collect::<Vec<_>>())
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
            .into_any()
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
            .into_any()
        })
        .collect::<Vec<_>>();
    view! {
        <div class="machine">
            <p class="machine-title">{m.title.clone()}": "
                <strong class="machine-state" data-testid="machine-state" data-state=current style:background=tint(tone) style:border-color=colour(tone)>{current}</strong>
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_laid_out_apart_and_inside() {
        for n in 1..=7 {
            let p = positions(n);
            assert_eq!(p.len(), n);
            for (i, a) in p.iter().enumerate() {
                assert!(a.0 - BOX_W / 2.0 >= 0.0 && a.0 + BOX_W / 2.0 <= W, "n={n}: state {i} at {a:?}");
                assert!(a.1 - BOX_H / 2.0 >= 0.0 && a.1 + BOX_H / 2.0 <= H, "n={n}: state {i} at {a:?}");
                for b in &p[i + 1..] {
                    let apart = (a.0 - b.0).abs() >= BOX_W * 0.6 || (a.1 - b.1).abs() >= BOX_H + 4.0;
                    assert!(apart, "n={n}: {a:?} and {b:?} overlap");
                }
            }
        }
        let tri = positions(3);
        assert!(tri[1].1 < tri[0].1 && tri[0].0 < tri[1].0 && tri[1].0 < tri[2].0, "the textbook triangle: {tri:?}");
    }
}
