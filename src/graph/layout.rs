//! A deterministic force-directed layout (Fruchterman–Reingold with gravity) for the graph
//! drawing: the same input gives the same positions, bit for bit, on every run.
//!
//! Nodes start on a golden-angle (Vogel) spiral in the order given, the best connected in the
//! middle; then a fixed number of rounds push every pair of nodes apart (k²/d), pull the ends of
//! every edge together (d²/k) and pull everything toward the centre (gravity, so components that
//! share no edge stay together), each move capped by a temperature that cools to zero. Only
//! `+ - * /` and `sqrt` are used (all exactly rounded in IEEE 754): no `sin`/`cos`, whose last
//! bit may differ between C libraries; the spiral turns by multiplying with the golden angle's
//! cosine and sine written as constants.

/// cos and sin of the golden angle π(3 − √5).
const GOLDEN_COS: f64 = -0.7373688780783197;
const GOLDEN_SIN: f64 = 0.6754902942615238;

/// Tuning.
#[derive(Debug, Clone, Copy)]
pub(super) struct Params {
    /// Rounds of the simulation.
    pub iterations: usize,
    /// Pull toward the centre, per unit of distance and of mass.
    pub gravity: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { iterations: 300, gravity: GRAVITY }
    }
}

const GRAVITY: f64 = 0.05;

/// Positions for `n` nodes joined by `edges` (pairs of indices below `n`), centred on the
/// origin, in layout units. `order` lists the nodes from the one to put in the middle
/// outward; it must be a permutation of `0..n`.
///
/// Every node has a mass of 1 + its degree. Two nodes push each other apart with
/// `m₁·m₂ / d`, an edge pulls its ends together with `d`, and the centre pulls each node with
/// `gravity · m · d`: hubs push each other apart and keep their own neighbours around them,
/// and nodes with no edge settle at the rim instead of drifting away.
pub(super) fn force_directed(n: usize, edges: &[(usize, usize)], order: &[usize], params: Params) -> Vec<(f64, f64)> {
    debug_assert_eq!(order.len(), n);
    let mut mass = vec![1.0f64; n];
    for &(a, b) in edges {
        mass[a] += 1.0;
        mass[b] += 1.0;
    }
    let total_mass: f64 = mass.iter().sum();
    // About the radius where the push of everything balances the pull to the centre.
    let radius = (total_mass / params.gravity).sqrt();
    let mut pos = spiral(order, radius / (n as f64).sqrt().max(1.0));
    if n < 2 {
        return pos;
    }
    let start_temperature = radius / 4.0;
    let mut force = vec![(0.0f64, 0.0f64); n];
    for round in 0..params.iterations {
        force.iter_mut().for_each(|f| *f = (0.0, 0.0));
        for i in 0..n {
            let ((xi, yi), mi) = (pos[i], mass[i]);
            // Node i's force so far (from the nodes before it), summed on in a register: the
            // same additions in the same order as adding into `force[i]` directly, without a
            // store and a reload between each.
            let (mut fx, mut fy) = force[i];
            for ((j, &(xj, yj)), (fj, &mj)) in
                pos.iter().enumerate().skip(i + 1).zip(force[i + 1..].iter_mut().zip(&mass[i + 1..]))
            {
                let (mut dx, mut dy) = (xi - xj, yi - yj);
                let mut d2 = dx * dx + dy * dy;
                if d2 < 1e-9 {
                    // Two nodes on the same spot: part them along a direction fixed by their indices.
                    dx = 1e-3 * (1 + (i + j) % 7) as f64;
                    dy = 1e-3 * (1 + (i * 3 + j) % 5) as f64;
                    d2 = dx * dx + dy * dy;
                }
                // m₁·m₂ / d along the unit vector (dx, dy) / d.
                let f = mi * mj / d2;
                fx += dx * f;
                fy += dy * f;
                fj.0 -= dx * f;
                fj.1 -= dy * f;
            }
            force[i] = (fx, fy);
        }
        for &(a, b) in edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            force[a].0 -= dx;
            force[a].1 -= dy;
            force[b].0 += dx;
            force[b].1 += dy;
        }
        let temperature = start_temperature * (1.0 - round as f64 / params.iterations as f64);
        let rim = rim_radius(&pos, &mass, total_mass);
        for ((p, f), m) in pos.iter_mut().zip(&force).zip(&mass) {
            let dx = f.0 / m - params.gravity * p.0;
            let dy = f.1 / m - params.gravity * p.1;
            // Heavy nodes move as slowly as their mass says, and no node further than the temperature.
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(temperature) / len;
                p.0 += dx * step;
                p.1 += dy * step;
            }
            // Nodes with few or no edges are pushed out by everything else: a fence just
            // outside the crowd keeps them near it instead of far away.
            let r = (p.0 * p.0 + p.1 * p.1).sqrt();
            if r > FENCE * rim {
                let back = FENCE * rim / r;
                p.0 *= back;
                p.1 *= back;
            }
        }
    }
    let (cx, cy) = pos.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + p.0, sy + p.1));
    let (cx, cy) = (cx / n as f64, cy / n as f64);
    // Screens are wider than tall: stretch the round crowd into an ellipse.
    pos.iter_mut().for_each(|p| *p = ((p.0 - cx) * ASPECT, p.1 - cy));
    pos
}

/// Width over height of the finished layout.
const ASPECT: f64 = 1.45;

/// The share of the mass inside the rim, and how far beyond the rim the fence stands.
const RIM_SHARE: f64 = 0.85;
const FENCE: f64 = 1.15;

/// The distance from the origin within which [`RIM_SHARE`] of the total mass lies: set by the
/// well connected nodes, however many loners there are.
fn rim_radius(pos: &[(f64, f64)], mass: &[f64], total_mass: f64) -> f64 {
    let mut by_r: Vec<(f64, f64)> = pos.iter().zip(mass).map(|(p, &m)| ((p.0 * p.0 + p.1 * p.1).sqrt(), m)).collect();
    by_r.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut inside = 0.0;
    for &(r, m) in &by_r {
        inside += m;
        if inside >= RIM_SHARE * total_mass {
            return r.max(1e-6);
        }
    }
    by_r.last().map_or(1e-6, |&(r, _)| r.max(1e-6))
}

/// The start: the node `order[r]` at radius √(r + ½)·`spacing`, turned r golden angles.
fn spiral(order: &[usize], spacing: f64) -> Vec<(f64, f64)> {
    let mut pos = vec![(0.0, 0.0); order.len()];
    let (mut ux, mut uy) = (1.0f64, 0.0f64);
    for (rank, &node) in order.iter().enumerate() {
        let r = spacing * (rank as f64 + 0.5).sqrt();
        pos[node] = (ux * r, uy * r);
        let (nx, ny) = (ux * GOLDEN_COS - uy * GOLDEN_SIN, ux * GOLDEN_SIN + uy * GOLDEN_COS);
        // Keep the direction a unit vector, so rounding does not creep over many turns.
        let len = (nx * nx + ny * ny).sqrt();
        (ux, uy) = (nx / len, ny / len);
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
        ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
    }

    #[test]
    fn golden_angle_constants_match_the_angle() {
        let angle = std::f64::consts::PI * (3.0 - 5f64.sqrt());
        assert!((angle.cos() - GOLDEN_COS).abs() < 1e-15);
        assert!((angle.sin() - GOLDEN_SIN).abs() < 1e-15);
    }

    #[test]
    fn spiral_puts_the_first_in_the_middle_and_spreads_the_rest() {
        let pos = spiral(&[2, 0, 1, 3], 1.0);
        let r = |p: (f64, f64)| dist(p, (0.0, 0.0));
        assert!(r(pos[2]) < r(pos[0]) && r(pos[0]) < r(pos[1]) && r(pos[1]) < r(pos[3]));
        for i in 0..4 {
            for j in i + 1..4 {
                assert!(dist(pos[i], pos[j]) > 0.3, "{i} and {j} start too close: {pos:?}");
            }
        }
    }

    /// Distance from the centre before the final sideways stretch.
    fn unstretched(p: (f64, f64)) -> f64 {
        dist((p.0 / ASPECT, p.1), (0.0, 0.0))
    }

    #[test]
    fn neighbours_end_closer_than_strangers() {
        // Two triangles joined by nothing: the gravity keeps them near, the edges keep each tight.
        let edges = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)];
        let pos = force_directed(6, &edges, &[0, 3, 1, 4, 2, 5], Params::default());
        let within = dist(pos[0], pos[1]).max(dist(pos[3], pos[4]));
        let across = dist(pos[0], pos[3]).min(dist(pos[1], pos[4])).min(dist(pos[2], pos[5]));
        assert!(within < across, "within {within}, across {across}");
        assert!(across < 10.0 * within, "components drifted apart: {pos:?}");
    }

    #[test]
    fn loners_settle_at_the_rim_of_the_crowd() {
        // A wheel of 60 nodes around a hub, and 12 nodes with no edge at all.
        let mut edges: Vec<(usize, usize)> = (1..60).map(|i| (0, i)).collect();
        edges.extend((1..60).map(|i| (i, i % 59 + 1)));
        let pos = force_directed(72, &edges, &(0..72).collect::<Vec<_>>(), Params::default());
        let crowd = pos[..60].iter().map(|&p| unstretched(p)).fold(0.0, f64::max);
        let edge_len = edges.iter().map(|&(a, b)| dist(pos[a], pos[b])).fold(f64::MAX, f64::min);
        for (i, &p) in pos.iter().enumerate().skip(60) {
            assert!(unstretched(p) <= 1.25 * crowd, "loner {i} at {} beyond the crowd's {crowd}", unstretched(p));
            for (j, &q) in pos.iter().enumerate().skip(i + 1) {
                assert!(dist(p, q) > 0.5 * edge_len, "loners {i} and {j} on top of each other: {p:?} {q:?}");
            }
        }
    }

    #[test]
    fn isolated_nodes_spread_evenly() {
        let pos = force_directed(50, &[], &(0..50).collect::<Vec<_>>(), Params::default());
        assert!(pos.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
        let spread = pos.iter().map(|&p| dist(p, (0.0, 0.0))).fold(0.0, f64::max);
        let closest = (0..50)
            .flat_map(|i| (i + 1..50).map(move |j| (i, j)))
            .map(|(i, j)| dist(pos[i], pos[j]))
            .fold(f64::MAX, f64::min);
        assert!(closest > spread / 10.0, "closest pair {closest}, spread {spread}");
    }

    #[test]
    fn same_input_same_bits() {
        let edges: Vec<(usize, usize)> = (1..40).map(|i| (i, i / 3)).collect();
        let order: Vec<usize> = (0..40).collect();
        let a = force_directed(40, &edges, &order, Params::default());
        let b = force_directed(40, &edges, &order, Params::default());
        assert_eq!(a, b);
    }
}
