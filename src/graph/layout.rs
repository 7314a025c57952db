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
    // Separate arrays of x, y and force components (structure of arrays), so that the pair
    // loop loads two neighbouring nodes' x (or y, mass, force) as one 2-lane vector.
    let mut xs: Vec<f64> = pos.iter().map(|p| p.0).collect();
    let mut ys: Vec<f64> = pos.iter().map(|p| p.1).collect();
    let mut fxs = vec![0.0f64; n];
    let mut fys = vec![0.0f64; n];
    for round in 0..params.iterations {
        fxs.iter_mut().for_each(|f| *f = 0.0);
        fys.iter_mut().for_each(|f| *f = 0.0);
        for i in 0..n {
            repel_from_later(i, &xs, &ys, &mass, &mut fxs, &mut fys);
        }
        pull_edges(edges, &xs, &ys, &mut fxs, &mut fys);
        let temperature = start_temperature * (1.0 - round as f64 / params.iterations as f64);
        let rim = rim_radius(&xs, &ys, &mass, total_mass);
        for ((((x, y), fx), fy), m) in xs.iter_mut().zip(&mut ys).zip(&fxs).zip(&fys).zip(&mass) {
            let dx = fx / m - params.gravity * *x;
            let dy = fy / m - params.gravity * *y;
            // Heavy nodes move as slowly as their mass says, and no node further than the temperature.
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(temperature) / len;
                *x += dx * step;
                *y += dy * step;
            }
            // Nodes with few or no edges are pushed out by everything else: a fence just
            // outside the crowd keeps them near it instead of far away.
            let r = (*x * *x + *y * *y).sqrt();
            if r > FENCE * rim {
                let back = FENCE * rim / r;
                *x *= back;
                *y *= back;
            }
        }
    }
    pos.iter_mut().zip(xs.iter().zip(&ys)).for_each(|(p, (&x, &y))| *p = (x, y));
    let (cx, cy) = pos.iter().fold((0.0, 0.0), |(sx, sy), p| (sx + p.0, sy + p.1));
    let (cx, cy) = (cx / n as f64, cy / n as f64);
    // Screens are wider than tall: stretch the round crowd into an ellipse.
    pos.iter_mut().for_each(|p| *p = ((p.0 - cx) * ASPECT, p.1 - cy));
    pos
}

/// Adds the pull of every edge to the forces on its ends, in the order of `edges`.
fn pull_edges(edges: &[(usize, usize)], xs: &[f64], ys: &[f64], fxs: &mut [f64], fys: &mut [f64]) {
    // All four of one length: the compiler then checks each index once, not once per array.
    // The graph page has thousands of edges; this loop is about a tenth of the layout's work.
    let n = xs.len();
    let (ys, fxs, fys) = (&ys[..n], &mut fxs[..n], &mut fys[..n]);
    for &(a, b) in edges {
        let (dx, dy) = (xs[a] - xs[b], ys[a] - ys[b]);
        fxs[a] -= dx;
        fys[a] -= dy;
        fxs[b] += dx;
        fys[b] += dy;
    }
}

/// Adds the push between node `i` and every later node `j` to both: to `fxs[j]`, `fys[j]` and,
/// summed in order of `j` onto what the earlier nodes gave it, to `fxs[i]`, `fys[i]`.
///
/// This is most of the layout's work (n²/2 pairs a round). The later nodes go two at a time
/// ([`repel_pairs`]), the last one alone when their number is odd; every pair's arithmetic and
/// every sum is the one of a plain one-pair-at-a-time loop, so the positions stay the same to
/// the last bit. Not inlined: in its own function the loop keeps its pointers in registers
/// (inlined into the big [`force_directed`], 4 % more instructions).
#[inline(never)]
fn repel_from_later(i: usize, xs: &[f64], ys: &[f64], mass: &[f64], fxs: &mut [f64], fys: &mut [f64]) {
    repel_from_later_by(repel_pairs, i, xs, ys, mass, fxs, fys);
}

/// [`repel_from_later`] with `pairs` doing the pairs of later nodes (so that a test can run
/// the plain loop on a machine that uses the SSE2 one).
#[inline(always)]
fn repel_from_later_by(
    pairs: impl FnOnce(&Pusher, Later<'_>, (f64, f64)) -> (f64, f64),
    i: usize,
    xs: &[f64],
    ys: &[f64],
    mass: &[f64],
    fxs: &mut [f64],
    fys: &mut [f64],
) {
    let me = Pusher { index: i, x: xs[i], y: ys[i], mass: mass[i] };
    let ((fx_i, fxs), (fy_i, fys)) = (fxs[i..].split_at_mut(1), fys[i..].split_at_mut(1));
    // Arrays of two, and the one left over (`as_chunks`: no bounds checks in the loops).
    let ((x2, x1), (y2, y1), (m2, m1)) = (xs[i + 1..].as_chunks(), ys[i + 1..].as_chunks(), mass[i + 1..].as_chunks());
    let ((fx2, fx1), (fy2, fy1)) = (fxs.as_chunks_mut(), fys.as_chunks_mut());
    let later = Later { xs: x2, ys: y2, mass: m2, fxs: fx2, fys: fy2 };
    let (mut fx, mut fy) = pairs(&me, later, (fx_i[0], fy_i[0]));
    let j = i + 1 + 2 * x2.len();
    for ((((&xj, &yj), &mj), fxj), fyj) in x1.iter().zip(y1).zip(m1).zip(fx1).zip(fy1) {
        let (px, py) = push(&me, j, xj, yj, mj);
        fx += px;
        fy += py;
        *fxj -= px;
        *fyj -= py;
    }
    (fx_i[0], fy_i[0]) = (fx, fy);
}

/// The node whose pushes [`repel_from_later`] adds up.
struct Pusher {
    index: usize,
    x: f64,
    y: f64,
    mass: f64,
}

/// The nodes after a [`Pusher`], in pairs `j`, `j + 1`: where they are, their mass, and their
/// force so far.
struct Later<'a> {
    xs: &'a [[f64; 2]],
    ys: &'a [[f64; 2]],
    mass: &'a [[f64; 2]],
    fxs: &'a mut [[f64; 2]],
    fys: &'a mut [[f64; 2]],
}

/// The push of node `j`, at (`xj`, `yj`) with mass `mj`, on `me`; `j` feels its negative.
#[inline(always)]
fn push(me: &Pusher, j: usize, xj: f64, yj: f64, mj: f64) -> (f64, f64) {
    let (mut dx, mut dy) = (me.x - xj, me.y - yj);
    let mut d2 = dx * dx + dy * dy;
    if d2 < 1e-9 {
        (dx, dy, d2) = apart(me.index, j);
    }
    // m₁·m₂ / d along the unit vector (dx, dy) / d.
    let f = me.mass * mj / d2;
    (dx * f, dy * f)
}

/// Adds the pushes between `me` and the pairs in `later` to the pairs' forces, and returns
/// `sum` (`me`'s force so far) plus the pushes on `me`, added in order: j's x and y, then
/// j + 1's.
///
/// With SSE2 (every x86-64) one 2-lane register holds the x of j and j + 1, another their y,
/// and so on, so one instruction does each step for both pairs (one `divpd` for two
/// divisions); lanes never mix, and each lane does the scalar [`push`] arithmetic, so the bits
/// are the same. `me`'s sum is one register (x, y) that gets j's share and then j + 1's, the
/// order of the scalar loop. Compared with that loop this takes about a third fewer
/// instructions and time; the compiler does not find this arrangement by itself from plain
/// arrays (it packs x and y of one node together instead and needs shuffles).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn repel_pairs(me: &Pusher, later: Later<'_>, sum: (f64, f64)) -> (f64, f64) {
    use std::arch::x86_64::*;
    let mut j = me.index + 1;
    let mut out = [0.0; 2];
    // SAFETY: SSE2 is enabled at compile time (the cfg above; it is part of every x86-64), which
    // is all the `_mm_*` functions require. Every load reads and every store writes exactly
    // the two f64 of a `[f64; 2]` borrowed for it (shared for loads, unique for stores), and
    // the `loadu`/`storeu` forms need no alignment.
    unsafe {
        let (x, y, m) = (_mm_set1_pd(me.x), _mm_set1_pd(me.y), _mm_set1_pd(me.mass));
        let tiny = _mm_set1_pd(1e-9);
        let mut acc = _mm_set_pd(sum.1, sum.0);
        // One step: the pairs (me, j) and (me, j + 1).
        let step = |acc, j, xj: &[f64; 2], yj: &[f64; 2], mj: &[f64; 2], fxj: &mut [f64; 2], fyj: &mut [f64; 2]| {
            let dx = _mm_sub_pd(x, _mm_loadu_pd(xj.as_ptr()));
            let dy = _mm_sub_pd(y, _mm_loadu_pd(yj.as_ptr()));
            let d2 = _mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy));
            let (px, py) = if _mm_movemask_pd(_mm_cmplt_pd(d2, tiny)) == 0 {
                let f = _mm_div_pd(_mm_mul_pd(m, _mm_loadu_pd(mj.as_ptr())), d2);
                (_mm_mul_pd(dx, f), _mm_mul_pd(dy, f))
            } else {
                // Two nodes on one spot (next to never): the scalar way, lane by lane.
                let (p0, p1) = (push(me, j, xj[0], yj[0], mj[0]), push(me, j + 1, xj[1], yj[1], mj[1]));
                (_mm_set_pd(p1.0, p0.0), _mm_set_pd(p1.1, p0.1))
            };
            _mm_storeu_pd(fxj.as_mut_ptr(), _mm_sub_pd(_mm_loadu_pd(fxj.as_ptr()), px));
            _mm_storeu_pd(fyj.as_mut_ptr(), _mm_sub_pd(_mm_loadu_pd(fyj.as_ptr()), py));
            let acc = _mm_add_pd(acc, _mm_unpacklo_pd(px, py));
            _mm_add_pd(acc, _mm_unpackhi_pd(px, py))
        };
        // Two steps a turn (the compiler does not unroll this loop by itself): 5 % fewer
        // instructions for the loop's own counting.
        let Later { xs, ys, mass, fxs, fys } = later;
        let ((x4, x2), (y4, y2), (m4, m2)) = (xs.as_chunks::<2>(), ys.as_chunks::<2>(), mass.as_chunks::<2>());
        let ((fx4, fx2), (fy4, fy2)) = (fxs.as_chunks_mut::<2>(), fys.as_chunks_mut::<2>());
        for ((((xj, yj), mj), [fxa, fxb]), [fya, fyb]) in x4.iter().zip(y4).zip(m4).zip(fx4).zip(fy4) {
            acc = step(acc, j, &xj[0], &yj[0], &mj[0], fxa, fya);
            acc = step(acc, j + 2, &xj[1], &yj[1], &mj[1], fxb, fyb);
            j += 4;
        }
        for ((((xj, yj), mj), fxj), fyj) in x2.iter().zip(y2).zip(m2).zip(fx2).zip(fy2) {
            acc = step(acc, j, xj, yj, mj, fxj, fyj);
        }
        _mm_storeu_pd(out.as_mut_ptr(), acc);
    }
    (out[0], out[1])
}

/// [`repel_pairs`] without SSE2.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use repel_pairs_plain as repel_pairs;

/// [`repel_pairs`] as a plain loop: what other processors run, and what a test compares the
/// SSE2 loop with on x86-64.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
fn repel_pairs_plain(me: &Pusher, later: Later<'_>, sum: (f64, f64)) -> (f64, f64) {
    let (mut fx, mut fy) = sum;
    let mut j = me.index + 1;
    let Later { xs, ys, mass, fxs, fys } = later;
    for ((((xj, yj), mj), fxj), fyj) in xs.iter().zip(ys).zip(mass).zip(fxs).zip(fys) {
        for lane in 0..2 {
            let (px, py) = push(me, j + lane, xj[lane], yj[lane], mj[lane]);
            fx += px;
            fy += py;
            fxj[lane] -= px;
            fyj[lane] -= py;
        }
        j += 2;
    }
    (fx, fy)
}

/// Two nodes on the same spot: part them along a direction fixed by their indices. Returns
/// dx, dy and the squared distance. Never inlined: inlined, the compiler works out the
/// remainders for every pair ahead of the (next to never taken) branch.
#[cold]
#[inline(never)]
fn apart(i: usize, j: usize) -> (f64, f64, f64) {
    let dx = 1e-3 * (1 + (i + j) % 7) as f64;
    let dy = 1e-3 * (1 + (i * 3 + j) % 5) as f64;
    (dx, dy, dx * dx + dy * dy)
}

/// Width over height of the finished layout.
const ASPECT: f64 = 1.45;

/// The share of the mass inside the rim, and how far beyond the rim the fence stands.
const RIM_SHARE: f64 = 0.85;
const FENCE: f64 = 1.15;

/// The distance from the origin within which [`RIM_SHARE`] of the total mass lies: set by the
/// well connected nodes, however many loners there are.
fn rim_radius(xs: &[f64], ys: &[f64], mass: &[f64], total_mass: f64) -> f64 {
    let mut by_r: Vec<(f64, f64)> =
        xs.iter().zip(ys).zip(mass).map(|((x, y), &m)| ((x * x + y * y).sqrt(), m)).collect();
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
    fn pushes_two_at_a_time_match_one_at_a_time_to_the_bit() {
        // Later nodes in every number modulo 4, masses of all sizes, and nodes on one spot
        // (both of a pair, or only one of the two; in a loop turn's first or second step, and
        // in the step after the loop) so that every branch is taken.
        let n = 23;
        let xs: Vec<f64> = (0..n)
            .map(|k| if k % 5 == 3 || k == 9 || k == 21 { 0.25 } else { (k * k % 11) as f64 * 0.7 - 3.1 })
            .collect();
        let ys: Vec<f64> =
            (0..n).map(|k| if k % 5 == 3 || k == 9 || k == 21 { -1.5 } else { (k * 7 % 13) as f64 / 3.0 }).collect();
        let mass: Vec<f64> = (0..n).map(|k| 1.0 + (k % 4) as f64 * 2.5).collect();
        // The loop this machine runs, and the plain one (the same on x86-64 and elsewhere).
        let (mut fxs, mut fys) = (vec![0.0; n], vec![0.0; n]);
        let (mut plain_fxs, mut plain_fys) = (vec![0.0; n], vec![0.0; n]);
        for i in 0..n {
            repel_from_later(i, &xs, &ys, &mass, &mut fxs, &mut fys);
            repel_from_later_by(repel_pairs_plain, i, &xs, &ys, &mass, &mut plain_fxs, &mut plain_fys);
        }
        let mut expected = vec![(0.0f64, 0.0f64); n];
        for i in 0..n {
            for j in i + 1..n {
                let (mut dx, mut dy) = (xs[i] - xs[j], ys[i] - ys[j]);
                let mut d2 = dx * dx + dy * dy;
                if d2 < 1e-9 {
                    dx = 1e-3 * (1 + (i + j) % 7) as f64;
                    dy = 1e-3 * (1 + (i * 3 + j) % 5) as f64;
                    d2 = dx * dx + dy * dy;
                }
                let f = mass[i] * mass[j] / d2;
                expected[i].0 += dx * f;
                expected[i].1 += dy * f;
                expected[j].0 -= dx * f;
                expected[j].1 -= dy * f;
            }
        }
        for k in 0..n {
            let want = (expected[k].0.to_bits(), expected[k].1.to_bits());
            assert_eq!((fxs[k].to_bits(), fys[k].to_bits()), want, "node {k}");
            assert_eq!((plain_fxs[k].to_bits(), plain_fys[k].to_bits()), want, "node {k}, plain loop");
        }
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
